// The record-Id index: exact membership per stream (GUIDs stored compactly, other Ids as they are),
// durable across reopen, idempotent re-application, expiry by whole hours, and the file store's
// guard against an index newer than its checkpoints; checkpoints of the old format migrate into it.

import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from './file-store.js';
import { IdIndex } from './id-index.js';
import { idKey } from './id-key.js';
import { newCheckpoint } from './checkpoint.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 10, 12);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-ids-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('id keys', () => {
  it('packs canonical GUIDs into 17 bytes and keeps every other Id distinct', () => {
    const g = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(idKey(g)).toHaveLength(17);
    expect(idKey(g.toUpperCase())).toHaveLength(17);
    const ids = [g, g.toUpperCase(), '0F8fad5b-d9cb-469f-a165-70867728950e', g.replace(/-/g, ''), `${g} `, 'x', 'é', 'a'.repeat(200), 'a'.repeat(201), 'a'.repeat(5000), `${'a'.repeat(4999)}b`];
    const keys = new Set(ids.map((id) => idKey(id).toString('hex')));
    expect(keys.size).toBe(ids.length);
    for (const id of ids) expect(idKey(id).length).toBeLessThanOrEqual(201);
  });
});

describe('IdIndex', () => {
  it('holds the Ids per stream, survives reopen, and a repeated apply changes nothing', async () => {
    const path = join(dir, 'ids.mdb');
    const idx = IdIndex.open(path);
    const a = idx.reader('t1', 'Audit.Exchange');
    expect(a.has('r1')).toBe(false); // stream not known yet
    const batch = { tenantId: 't1', contentType: 'Audit.Exchange', groups: [[T, ['r1', '0f8fad5b-d9cb-469f-a165-70867728950e']]] as Array<[number, string[]]> };
    await idx.apply(1, [batch]);
    await idx.apply(1, [batch]);
    expect(a.has('r1')).toBe(true);
    expect(a.has('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(a.has('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe(false);
    expect(idx.reader('t1', 'DLP.All').has('r1')).toBe(false);
    expect(idx.reader('t2', 'Audit.Exchange').has('r1')).toBe(false);
    expect(idx.stats().ids).toBe(2);
    await idx.close();

    const again = IdIndex.open(path);
    expect(again.seq).toBe(1);
    expect(again.reader('t1', 'Audit.Exchange').has('r1')).toBe(true);
    await again.close();
  });

  it('drops whole hours before the horizon, and only those, per stream', async () => {
    const idx = IdIndex.open(join(dir, 'ids.mdb'));
    const groups: Array<[number, string[]]> = [
      [T - 10 * HOUR, ['old-1', 'old-2']],
      [T - 2 * HOUR + 1, ['edge']],
      [T, ['new']],
    ];
    await idx.apply(1, [
      { tenantId: 't', contentType: 'A', groups },
      { tenantId: 't', contentType: 'B', groups: [[T - 10 * HOUR, ['b-old']]] },
    ]);
    await idx.apply(2, [{ tenantId: 't', contentType: 'A', groups: [], pruneBefore: T - 2 * HOUR + 30 * 60_000 }]);
    const a = idx.reader('t', 'A');
    expect(['old-1', 'old-2', 'edge', 'new'].map((id) => a.has(id))).toEqual([false, false, true, true]);
    expect(idx.reader('t', 'B').has('b-old')).toBe(true);
    expect(idx.stats().ids).toBe(3);
    await idx.close();
  });
});

describe('FileStateStore with the Id index', () => {
  it('refuses an index ahead of the checkpoints (a partial restore), naming it', async () => {
    const s = new FileStateStore(dir);
    await s.load();
    await s.commit([], {}, [{ tenantId: 't', contentType: 'A', groups: [[T, ['x']]] }]);
    await s.close();
    await rm(join(dir, 'commit.json'));
    await rm(join(dir, 'outputs.json'));
    const s2 = new FileStateStore(dir);
    await expect(s2.load()).rejects.toMatchObject({ code: 'O365_ERR_STATE', message: expect.stringContaining(join(dir, 'ids.mdb')) });
    await s2.close();
  });

  it('moves the Ids of old-format checkpoints (seenIds) into the index', async () => {
    const cp = { ...newCheckpoint('t', 'Audit.Exchange', T, T), seenIds: { legacy: T - HOUR } };
    await mkdir(join(dir, 't'));
    await writeFile(join(dir, 't', 'Audit.Exchange.json'), JSON.stringify({ format: 'o365-audit/stream', version: 1, seq: 3, checkpoint: cp }));
    await writeFile(join(dir, 'outputs.json'), JSON.stringify({ format: 'o365-audit/outputs', version: 1, seq: 3, outputs: {} }));
    const s = new FileStateStore(dir);
    const loaded = await s.load();
    expect(loaded.streams.get('t/Audit.Exchange')?.seenIds).toBeUndefined();
    expect(s.ids('t', 'Audit.Exchange').has('legacy')).toBe(true);
    await s.close();
  });
});
