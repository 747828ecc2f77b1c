import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError } from '../errors.js';
import { FileOutput } from '../outputs/file/file-output.js';
import type { Output } from '../outputs/types.js';
import { InstrumentedOutput } from './instrumented-output.js';

const meta = { tenantId: 't', contentType: 'Audit.General', contentId: 'c' };

describe('InstrumentedOutput', () => {
  it('queue depth is what was written and not yet flushed, over a real file output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-instr-'));
    const out = new InstrumentedOutput(new FileOutput(join(dir, 'out.ndjson')));
    await out.open(undefined);
    for (let i = 0; i < 5; i++) await out.write(`{"Id":"${i}"}`, meta, `${i}`);
    const m = out.mark();
    await out.write('{"Id":"5"}', meta, '5');
    expect(out.figures()).toMatchObject({ written: 6, accepted: 0, errors: 0, failing: false });
    await out.flushTo(m);
    expect(out.figures()).toMatchObject({ written: 6, accepted: 5 });
    await out.flushTo(out.mark());
    expect(out.figures().written - out.figures().accepted).toBe(0);
    await expect(out.probe(AbortSignal.timeout(1000))).resolves.toBeUndefined();
    await out.close();
  });

  it('counts failed flushes and writes, and is failing until a flush succeeds again', async () => {
    let fail = true;
    const inner: Output = {
      name: 'flaky',
      open: async () => {},
      write: () => (fail ? Promise.reject(new OutputError('full')) : undefined),
      mark: () => ({}),
      flushTo: async () => {
        if (fail) throw new OutputError('down');
        return undefined;
      },
      close: async () => {},
      stats: () => ({ batches: 3, retries: 2 }),
    };
    const out = new InstrumentedOutput(inner);
    await expect(out.write('{}', meta, undefined)).rejects.toThrow('full');
    await expect(out.flushTo(out.mark())).rejects.toThrow('down');
    expect(out.figures()).toMatchObject({ errors: 2, failing: true, batches: 3, retries: 2 });
    fail = false;
    await out.flushTo(out.mark());
    expect(out.figures()).toMatchObject({ errors: 2, failing: false });
    // No probe on the inner output: reachable.
    await expect(out.probe(AbortSignal.timeout(1000))).resolves.toBeUndefined();
  });
});
