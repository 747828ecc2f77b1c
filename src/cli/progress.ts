// Interactive progress for `collect --once` on a TTY: one bar per tenant x content type (blobs
// fetched of blobs listed, records), drawn on stderr by cli-progress and removed at the end.

import cliProgress from 'cli-progress';
import type { StreamStats } from '../collector/types.js';

export class ProgressView {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multi: cliProgress.MultiBar;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: ' {stream} {bar} {value}/{total} blobs | {records} records {status}',
        barsize: 24,
        fps: 5,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(s: StreamStats): void {
    const key = `${s.tenantId}/${s.contentType}`;
    const payload = {
      stream: `${(s.label ?? s.tenantId.slice(0, 8)).padEnd(10).slice(0, 18)} ${s.contentType.padEnd(26)}`,
      records: s.records,
      status: s.error ? `FAILED ${s.error.afCode ?? s.error.code}` : s.caughtUp ? 'done' : '',
    };
    const total = Math.max(s.blobsListed, s.blobs, 1);
    let bar = this.bars.get(key);
    if (bar === undefined) {
      bar = this.multi.create(total, s.blobs, payload);
      this.bars.set(key, bar);
    } else {
      bar.setTotal(total);
      bar.update(s.blobs, payload);
    }
  }

  stop(): void {
    this.multi.stop();
  }
}
