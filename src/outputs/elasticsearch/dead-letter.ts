// The dead-letter file: NDJSON of the documents the cluster refused for good (mapping or parse
// errors), each with the reason and the raw record, appended and fsynced before the batch counts
// as accepted, so a refused record is never silently dropped. Replay: POST the `message` back.

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputError } from '../../errors.js';
import { redactValue } from '../../logging/redact.js';
import type { ItemError } from './bulk.js';

export interface DeadLetter {
  index: string;
  id: string | undefined;
  status: number;
  error: ItemError | undefined;
  contentType: string;
  tenantId: string;
  /** The raw record text. */
  message: string;
}

export class DeadLetterFile {
  private fh: FileHandle | undefined;
  private count = 0;

  constructor(readonly path: string, private readonly output: string) {}

  /** Records written to this file by this process. */
  get written(): number {
    return this.count;
  }

  async append(entries: readonly DeadLetter[], now = new Date()): Promise<void> {
    if (entries.length === 0) return;
    const at = now.toISOString();
    const text = entries
      .map((e) =>
        JSON.stringify({
          '@timestamp': at,
          output: this.output,
          index: e.index,
          _id: e.id,
          status: e.status,
          // The cluster's reason may echo request headers (Authorization, API keys): scrubbed.
          // The record itself is kept as it came, for replay.
          error: redactValue(e.error),
          content_type: e.contentType,
          tenant_id: e.tenantId,
          message: e.message,
        }),
      )
      .join('\n') + '\n';
    try {
      if (this.fh === undefined) {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        // O_APPEND: concurrent writers (a second collector by mistake) never overwrite each other.
        this.fh = await open(this.path, 'a', 0o600);
      }
      await this.fh.appendFile(text, 'utf8');
      await this.fh.sync();
    } catch (cause) {
      throw new OutputError(`Output "${this.output}" cannot write its dead-letter file ${this.path}`, {
        retryable: true,
        context: { output: this.output, path: this.path },
        cause,
      });
    }
    this.count += entries.length;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}
