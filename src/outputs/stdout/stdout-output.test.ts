// Stdout output: exact lines, 'drain' back-pressure, EPIPE ends cleanly without committing.

import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StdoutOutput } from './stdout-output.js';

const meta = { tenantId: 't', contentType: 'c', contentId: 'x' };

describe('StdoutOutput', () => {
  it('writes records as received, one per line, and waits for drain when the stream is full', async () => {
    const chunks: string[] = [];
    let release: (() => void) | undefined;
    const sink = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        release = () => cb();
      },
    });
    const out = new StdoutOutput({ stream: sink });
    await out.open(undefined);
    const w = out.write('{"Id":"a b"}', meta);
    expect(w).toBeInstanceOf(Promise);
    let resolved = false;
    void w!.then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(false);
    release!();
    await w;
    expect(resolved).toBe(true);
    expect(chunks).toEqual(['{"Id":"a b"}\n']);
    await expect(out.flushTo(out.mark())).resolves.toBeUndefined();
    await out.close();
  });

  it('on EPIPE (reader gone) tells the host, drops later records, and refuses to flush', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./stdout-child.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let got = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.split('\n').length > 3) {
          child.stdout.destroy(); // like `| head -n 3`
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(got.startsWith('{"Id":"0"}\n{"Id":"1"}\n')).toBe(true);
    expect(stderr).toContain('reader-gone O365_ERR_OUTPUT EPIPE');
    expect(code).toBe(0);
  });
});
