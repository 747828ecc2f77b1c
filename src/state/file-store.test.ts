// FileStateStore: per-stream files, commits atomic across streams and outputs (a crash at any step
// leaves the old or the new set), corrupt files named, one collector per state directory.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newCheckpoint } from './checkpoint.js';
import { FileStateStore, type CommitStep } from './file-store.js';
import { streamKey, type StreamCheckpoint, type StreamIdBatch } from './types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cp(contentType: string, cursor: number): StreamCheckpoint {
  const c = newCheckpoint('tenant-a', contentType, cursor, cursor);
  c.doneBlobs[`blob-${cursor}`] = cursor;
  return c;
}

function batch(contentType: string, created: number, ids: string[], pruneBefore?: number): StreamIdBatch {
  const b: StreamIdBatch = { tenantId: 'tenant-a', contentType, groups: [[created, ids]] };
  if (pruneBefore !== undefined) b.pruneBefore = pruneBefore;
  return b;
}

async function reopen(): Promise<FileStateStore> {
  const s = new FileStateStore(dir);
  await s.load();
  return s;
}

describe('FileStateStore', () => {
  it('round-trips checkpoints and positions through one file per stream', async () => {
    const s = new FileStateStore(dir);
    expect((await s.load()).streams.size).toBe(0);
    await s.commit([cp('Audit.Exchange', 100), cp('DLP.All', 200)], { file: { path: '/o', length: 10 } }, [batch('Audit.Exchange', 100, ['x'])]);
    await s.close();
    const s2 = new FileStateStore(dir);
    const loaded = await s2.load();
    expect(loaded.streams.get(streamKey('tenant-a', 'Audit.Exchange'))).toEqual(cp('Audit.Exchange', 100));
    expect(s2.ids('tenant-a', 'Audit.Exchange').has('x')).toBe(true);
    expect(s2.ids('tenant-a', 'DLP.All').has('x')).toBe(false);
    expect(loaded.streams.get(streamKey('tenant-a', 'DLP.All'))?.cursor).toBe(200);
    expect(loaded.outputs).toEqual({ file: { path: '/o', length: 10 } });
    expect(JSON.parse(await readFile(join(dir, 'tenant-a', 'Audit.Exchange.json'), 'utf8'))).toMatchObject({ version: 1, seq: 1 });
    await s2.close();
  });

  it('rewrites only the streams that changed', async () => {
    const s = await reopen();
    await s.commit([cp('Audit.Exchange', 1), cp('DLP.All', 1)], {});
    const before = await stat(join(dir, 'tenant-a', 'DLP.All.json'));
    await s.commit([cp('Audit.Exchange', 2)], {});
    const after = await stat(join(dir, 'tenant-a', 'DLP.All.json'));
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(JSON.parse(await readFile(join(dir, 'tenant-a', 'DLP.All.json'), 'utf8')).seq).toBe(1);
    await s.close();
  });

  const cases: Array<{ step: CommitStep; nth: number; expect: 'old' | 'new' }> = [
    { step: 'journal', nth: 1, expect: 'old' },
    { step: 'apply-stream', nth: 1, expect: 'new' },
    { step: 'apply-stream', nth: 2, expect: 'new' }, // first stream applied, second not
    { step: 'apply-ids', nth: 1, expect: 'new' }, // stream files applied, Ids not
    { step: 'apply-outputs', nth: 1, expect: 'new' },
  ];
  for (const c of cases) {
    it(`a crash before ${c.step} #${c.nth} leaves the ${c.expect} set visible, never a mix`, async () => {
      const s1 = await reopen();
      await s1.commit([cp('Audit.Exchange', 1), cp('DLP.All', 1)], { file: { length: 1 } }, [batch('Audit.Exchange', 1, ['old'])]);
      await s1.close();
      let calls = 0;
      const s = new FileStateStore(dir, {
        faultHook: (step) => {
          if (step === c.step && ++calls === c.nth) throw new Error('simulated crash');
        },
      });
      await s.load();
      await expect(s.commit([cp('Audit.Exchange', 2), cp('DLP.All', 2)], { file: { length: 2 } }, [batch('Audit.Exchange', 2, ['new']), batch('DLP.All', 2, ['new-dlp'])])).rejects.toThrow();
      await s.close();
      const s2 = await reopen();
      const loaded = await s2.load();
      const want = c.expect === 'old' ? 1 : 2;
      expect(loaded.streams.get(streamKey('tenant-a', 'Audit.Exchange'))?.cursor).toBe(want);
      expect(loaded.streams.get(streamKey('tenant-a', 'DLP.All'))?.cursor).toBe(want);
      expect(loaded.outputs.file).toEqual({ length: want });
      // The Ids go with the checkpoints: never in the index before their commit point.
      expect(s2.ids('tenant-a', 'Audit.Exchange').has('old')).toBe(true);
      expect(s2.ids('tenant-a', 'Audit.Exchange').has('new')).toBe(want === 2);
      expect(s2.ids('tenant-a', 'DLP.All').has('new-dlp')).toBe(want === 2);
      await s2.close();
    });
  }

  it('applies a journal whose application failed before the next commit replaces it', async () => {
    let fail = false;
    const s = new FileStateStore(dir, {
      faultHook: (step) => {
        if (step === 'apply-stream' && fail) throw new Error('disk hiccup');
      },
    });
    await s.load();
    await s.commit([cp('Audit.Exchange', 1), cp('DLP.All', 1)], {});
    fail = true;
    await expect(s.commit([cp('Audit.Exchange', 2), cp('DLP.All', 2)], { file: { length: 2 } })).rejects.toThrow();
    fail = false;
    await s.commit([cp('Audit.Exchange', 3)], { file: { length: 3 } });
    await s.close();
    const loaded = await (await reopen()).load();
    expect(loaded.streams.get(streamKey('tenant-a', 'DLP.All'))?.cursor).toBe(2);
    expect(loaded.streams.get(streamKey('tenant-a', 'Audit.Exchange'))?.cursor).toBe(3);
  });

  it('ignores temp files left by a crash in the middle of a write', async () => {
    const s = await reopen();
    await s.commit([cp('Audit.Exchange', 1)], {});
    await s.close();
    await writeFile(join(dir, 'tenant-a', 'Audit.Exchange.json.tmp'), '{"half');
    await writeFile(join(dir, 'commit.json.tmp'), '{"half');
    const loaded = await (await reopen()).load();
    expect(loaded.streams.get(streamKey('tenant-a', 'Audit.Exchange'))?.cursor).toBe(1);
  });

  it('names the corrupt file in the error', async () => {
    const s = await reopen();
    await s.commit([cp('Audit.Exchange', 1)], {});
    await s.close();
    const file = join(dir, 'tenant-a', 'Audit.Exchange.json');
    await writeFile(file, '{"format":"o365-audit/stream","version":1,"seq":1,"checkpoint":{"version":1,"cursor":"x"}}');
    const s2 = new FileStateStore(dir);
    await expect(s2.load()).rejects.toMatchObject({ code: 'O365_ERR_STATE', message: expect.stringContaining(file) });
    await writeFile(file, 'not json');
    await expect(s2.load()).rejects.toMatchObject({ code: 'O365_ERR_STATE', message: expect.stringContaining(file) });
    await s2.close();
  });

  it('refuses a state directory locked by a live collector and takes over a stale lock', async () => {
    const s = await reopen();
    await expect(new FileStateStore(dir).load()).rejects.toMatchObject({ code: 'O365_ERR_LOCKED' });
    await s.close();
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: process.ppid }));
    await expect(new FileStateStore(dir).load()).rejects.toMatchObject({ code: 'O365_ERR_LOCKED', message: expect.stringContaining(String(process.ppid)) });
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345 })); // above pid_max: not running
    let stale = '';
    const s3 = new FileStateStore(dir, { onStaleLock: (p) => (stale = p) });
    await s3.load();
    expect(stale).toBe(join(dir, 'lock'));
    expect(JSON.parse(await readFile(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await s3.close();
  });

  it('creates its folders 0700 and its files (streams, outputs, journal, lock) 0600, whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      const s = new FileStateStore(join(dir, 'nested', 'state'));
      await s.load();
      await s.commit([cp('Audit.Exchange', 100)], { file: { path: '/o', length: 10 } });
      const root = join(dir, 'nested', 'state');
      const modes: Record<string, number> = {};
      for (const p of [join(dir, 'nested'), root, join(root, 'tenant-a'), join(root, 'tenant-a', 'Audit.Exchange.json'), join(root, 'outputs.json'), join(root, 'commit.json'), join(root, 'lock')]) {
        modes[p.slice(dir.length)] = (await stat(p)).mode & 0o777;
      }
      await s.close();
      expect(modes).toEqual({
        '/nested': 0o700,
        '/nested/state': 0o700,
        '/nested/state/tenant-a': 0o700,
        '/nested/state/tenant-a/Audit.Exchange.json': 0o600,
        '/nested/state/outputs.json': 0o600,
        '/nested/state/commit.json': 0o600,
        '/nested/state/lock': 0o600,
      });
    } finally {
      process.umask(old);
    }
  });
});

describe('FileStateStore: a deleted stream checkpoint', () => {
  it('is reported as missing (file, tenant, content type) when the journal lists it but its last commit does not hold it', async () => {
    const s = await reopen();
    await s.commit([cp('Audit.Exchange', 1), cp('DLP.All', 1)], {});
    await s.commit([cp('Audit.Exchange', 2)], {}); // the last commit holds Audit.Exchange only
    await s.close();
    await rm(join(dir, 'tenant-a', 'DLP.All.json'));
    const s2 = new FileStateStore(dir);
    const loaded = await s2.load();
    expect(loaded.streams.has(streamKey('tenant-a', 'DLP.All'))).toBe(false);
    expect(loaded.missing).toEqual([{ tenantId: 'tenant-a', contentType: 'DLP.All', file: join(dir, 'tenant-a', 'DLP.All.json') }]);
    // A later commit of other streams keeps it listed: it stays missing until forgotten on purpose.
    await s2.commit([cp('Audit.Exchange', 3)], {});
    await s2.close();
    const s3 = new FileStateStore(dir);
    expect((await s3.load()).missing).toHaveLength(1);
    await s3.forget([{ tenantId: 'tenant-a', contentType: 'DLP.All' }]);
    await s3.close();
    const s4 = new FileStateStore(dir);
    expect((await s4.load()).missing).toBeUndefined();
    await s4.close();
  });

  it('is restored from the journal when its last commit holds it', async () => {
    const s = await reopen();
    await s.commit([cp('Audit.Exchange', 1), cp('DLP.All', 1)], {});
    await s.commit([cp('DLP.All', 7)], {}, [batch('DLP.All', 7, ['d'])]);
    await s.close();
    await rm(join(dir, 'tenant-a', 'DLP.All.json'));
    const s2 = new FileStateStore(dir);
    const loaded = await s2.load();
    expect(loaded.missing).toBeUndefined();
    expect(loaded.restored).toEqual([{ tenantId: 'tenant-a', contentType: 'DLP.All', file: join(dir, 'tenant-a', 'DLP.All.json') }]);
    expect(loaded.streams.get(streamKey('tenant-a', 'DLP.All'))).toEqual(cp('DLP.All', 7));
    expect(s2.ids('tenant-a', 'DLP.All').has('d')).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'tenant-a', 'DLP.All.json'), 'utf8')).checkpoint.cursor).toBe(7);
    await s2.close();
  });
});
