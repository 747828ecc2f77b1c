// File output: lines written exactly as received, positions that match marks, trim to the
// committed length on open, clear errors instead of guessing, and bounded buffering.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOutput } from './file-output.js';
import type { RecordMeta } from '../types.js';

const meta: RecordMeta = { tenantId: 't', contentType: 'Audit.Exchange', contentId: 'c' };
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-fileout-'));
  file = join(dir, 'audit.ndjson');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileOutput', () => {
  it('appends each raw record plus a newline, and flushTo(mark) returns the length at the mark', async () => {
    const out = new FileOutput(file, { batchBytes: 16 });
    await out.open(undefined);
    out.write('{"Id":"a","é":1}', meta);
    out.write('{"Id":"b"}', meta);
    const m = out.mark();
    out.write('{"Id":"c"}', meta); // after the mark: not part of this position
    const pos = await out.flushTo(m);
    expect(pos).toEqual({ path: file, length: Buffer.byteLength('{"Id":"a","é":1}\n{"Id":"b"}\n') });
    await out.close();
    expect(await readFile(file, 'utf8')).toBe('{"Id":"a","é":1}\n{"Id":"b"}\n{"Id":"c"}\n');
  });

  it('creates the output file 0600 (and its lock), whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      const out = new FileOutput(file);
      await out.open(undefined);
      out.write('{"Id":"a"}', meta);
      await out.flushTo(out.mark());
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(`${file}.lock`)).mode & 0o777).toBe(0o600);
      await out.close();
    } finally {
      process.umask(old);
    }
  });

  it('trims the file back to the committed length on open', async () => {
    await writeFile(file, 'one\ntwo\nthree-uncommitted\n');
    const out = new FileOutput(file);
    await out.open({ path: file, length: 8 });
    out.write('again', meta);
    await out.flushTo(out.mark());
    await out.close();
    expect(await readFile(file, 'utf8')).toBe('one\ntwo\nagain\n');
  });

  it('continues at the end of an existing file on a first run', async () => {
    await writeFile(file, 'old\n');
    const out = new FileOutput(file);
    await out.open(undefined);
    out.write('new', meta);
    expect(await out.flushTo(out.mark())).toEqual({ path: file, length: 8 });
    await out.close();
  });

  it('refuses to guess when the file is shorter than committed or the path changed', async () => {
    await writeFile(file, 'short\n');
    await expect(new FileOutput(file).open({ path: file, length: 100 })).rejects.toMatchObject({ code: 'O365_ERR_OUTPUT', message: expect.stringContaining('shorter') });
    await expect(new FileOutput(file).open({ path: join(dir, 'other.ndjson'), length: 0 })).rejects.toMatchObject({
      code: 'O365_ERR_OUTPUT',
      context: expect.objectContaining({ committedPath: join(dir, 'other.ndjson') }),
    });
    expect(await readFile(file, 'utf8')).toBe('short\n');
  });

  it('applies back-pressure above its buffer bound and releases it once the data is written', async () => {
    const out = new FileOutput(file, { batchBytes: 64, maxBufferBytes: 256 });
    await out.open(undefined);
    const line = 'x'.repeat(99);
    let waited: Promise<void> | undefined;
    let i = 0;
    for (; i < 10 && !waited; i++) {
      const w = out.write(line, meta);
      if (w) waited = w;
    }
    expect(waited).toBeInstanceOf(Promise);
    expect(i).toBe(3); // 300 buffered bytes > 256
    await waited;
    const pos = await out.flushTo(out.mark());
    expect(pos.length).toBe(300);
    await out.close();
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(4);
  });

  it('writes a large volume in few big writes with the right content', async () => {
    const out = new FileOutput(file);
    await out.open(undefined);
    let expected = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = `{"Id":"${i}","pad":"${'p'.repeat(i % 50)}"}`;
      expected += Buffer.byteLength(raw) + 1;
      const w = out.write(raw, meta);
      if (w) await w;
    }
    expect((await out.flushTo(out.mark())).length).toBe(expected);
    await out.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines[19_999]!).Id).toBe('19999');
  });
});
