// End to end (issue 8, poison blobs and bad records): the real CLI against the HTTPS simulator
// serving blobs that fail the same way on every try (not JSON, cut short, an HTML page with 200)
// and blobs with one bad record (raw newline, not JSON, no Id, invalid UTF-8, oversize). What
// cannot be delivered is kept in the quarantine under state_dir; everything else arrives exactly
// once, each line one JSON object with its Id; summary and `state` count it. A transient failure
// never moves the cursor and never quarantines anything.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExactlyOnce, readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { PoisonFault, Simulator } from '../../src/simulator/types.js';
import type { QuarantineEntry } from '../../src/state/quarantine.js';
import { allGroundTruth, runCli, simTenants, tempDir, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const BLOB_POISON: PoisonFault[] = [
  { contentType: 'Audit.General', blob: 1, kind: 'notJson' },
  { contentType: 'Audit.General', blob: 2, kind: 'truncated' },
  { contentType: 'Audit.General', blob: 3, kind: 'html200' },
];
const RECORD_POISON: PoisonFault[] = [
  { contentType: 'Audit.Exchange', blob: 1, kind: 'rawNewline' },
  { contentType: 'Audit.Exchange', blob: 2, kind: 'nonJsonRecord' },
  { contentType: 'Audit.Exchange', blob: 3, kind: 'noId' },
  { contentType: 'Audit.Exchange', blob: 4, kind: 'invalidUtf8' },
  { contentType: 'Audit.Exchange', blob: 5, kind: 'oversizeRecord', oversizeBytes: 4096 },
];
const RECORDS = 6;

function quarantineEntries(stateDir: string): { dir: string; entry: QuarantineEntry }[] {
  const root = join(stateDir, 'quarantine');
  if (!existsSync(root)) return [];
  const out: { dir: string; entry: QuarantineEntry }[] = [];
  for (const t of readdirSync(root)) for (const ct of readdirSync(join(root, t))) for (const id of readdirSync(join(root, t, ct))) {
    const dir = join(root, t, ct, id);
    out.push({ dir, entry: JSON.parse(readFileSync(join(dir, 'entry.json'), 'utf8')) as QuarantineEntry });
  }
  return out;
}

function modes(dir: string): { files: number[]; dirs: number[] } {
  const files: number[] = [];
  const dirs: number[] = [statSync(dir).mode & 0o777];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      const m = modes(p);
      files.push(...m.files);
      dirs.push(...m.dirs);
    } else files.push(statSync(p).mode & 0o777);
  }
  return { files, dirs };
}

/** Ids a correct collector cannot deliver while the poison is on. */
function undeliverable(s: Simulator): Set<string> {
  const t = s.tenants[0]!.tenantId;
  const out = new Set<string>();
  for (const p of BLOB_POISON) {
    const { ids } = s.blobRecords(t, p.contentType, p.blob);
    // A cut-short body delivers the records before the cut (the middle record).
    for (const id of p.kind === 'truncated' ? ids.slice(Math.floor(ids.length / 2)) : ids) out.add(id);
  }
  for (const p of RECORD_POISON) out.add(s.blobRecords(t, p.contentType, p.blob).ids[1]!);
  return out;
}

async function startPoisoned(): Promise<Simulator> {
  return startSimulator({
    tenants: 1,
    contentTypes: ['Audit.General', 'Audit.Exchange'],
    blobsPerContentType: 8,
    recordsPerBlob: RECORDS,
    recordSizeTarget: 0,
    seed: 88,
    faults: { poison: [...BLOB_POISON, ...RECORD_POISON] },
  });
}

describe('quarantine (end to end)', () => {
  it('sets poison blobs and bad records aside with their bytes, moves on, and delivers every other record exactly once', async () => {
    sim = await startPoisoned();
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'max_record_bytes: 2048\n');
    const r = await runCli(['collect', '--config', config, '--once']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/quarantined blobs 3, quarantined records 5/);
    expect(r.stderr).toMatch(/t0 \/ Audit\.General .*quarantined blobs 3 {2}ok/);
    expect(r.stderr).toMatch(/t0 \/ Audit\.Exchange .*quarantined records 5 {2}ok/);
    expect(r.stderr).toMatch(/blob quarantined/);

    // Every line is one JSON object with its Id; every deliverable record exactly once, the later
    // blobs of both streams included (the cursor passed the poison).
    const text = readFileSync(join(dir, 'out.ndjson'), 'utf8');
    for (const line of text.split('\n').filter((l) => l !== '')) expect(typeof (JSON.parse(line) as { Id?: unknown }).Id).toBe('string');
    expect(text.includes('\ufffd')).toBe(false);
    const bad = undeliverable(sim);
    const truth = allGroundTruth(sim);
    const expected = new Set([...truth].filter((id) => !bad.has(id)));
    const delivered = await readDelivered(join(dir, 'out.ndjson'));
    expect(delivered.malformed).toBe(0);
    const verdict = checkExactlyOnce(delivered, expected, expected);
    expect({ missing: verdict.missing.length, duplicated: verdict.duplicated.length, unexpected: verdict.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
    expect(delivered.counts.size).toBe(truth.size - bad.size);

    // The quarantine: one folder per blob, 0700 folders and 0600 files, what the issue asks for.
    const stateDir = join(dir, 'state');
    const entries = quarantineEntries(stateDir);
    expect(entries).toHaveLength(8);
    const m = modes(join(stateDir, 'quarantine'));
    expect(new Set(m.dirs)).toEqual(new Set([0o700]));
    expect(new Set(m.files)).toEqual(new Set([0o600]));
    const tenantId = sim.tenants[0]!.tenantId;
    for (const p of [...BLOB_POISON, ...RECORD_POISON]) {
      const { contentId, ids } = sim.blobRecords(tenantId, p.contentType, p.blob);
      const found = entries.find((e) => e.entry.contentId === contentId);
      expect(found, `${p.kind}`).toBeDefined();
      const { entry, dir: folder } = found!;
      expect(entry).toMatchObject({ format: 'o365-audit/quarantine', status: 'quarantined', tenantId, contentType: p.contentType, contentId });
      expect(entry.url).toBe(`${sim.apiUrl}/api/v1.0/${tenantId}/activity/feed/audit/${contentId}`);
      expect(Date.parse(entry.quarantinedAt)).toBeGreaterThan(0);
      const files = readdirSync(folder).map((f) => readFileSync(join(folder, f), 'latin1')).join('\n');
      expect(files).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./); // no token anywhere
      expect(files).not.toContain(sim.tenants[0]!.clientSecret);
      if (BLOB_POISON.includes(p)) {
        expect(entry.kind).toBe('blob');
        expect(entry.error).toMatchObject({ code: 'O365_ERR_API', reason: p.kind === 'truncated' ? 'truncated' : 'invalid_json', attempts: 6 });
        const body = readFileSync(join(folder, 'body'));
        expect(entry.body).toEqual({ file: 'body', bytes: body.length, cut: false });
        if (p.kind === 'html200') expect(body.toString()).toMatch(/^<!DOCTYPE html>.*Sign in/);
        if (p.kind === 'notJson') expect(body.toString()).toBe('Service temporarily unavailable; this is not JSON.');
        if (p.kind === 'truncated') {
          expect(body.toString().startsWith(`[{"CreationTime"`)).toBe(true);
          expect(entry.deliveredIds.sort()).toEqual(ids.slice(0, RECORDS / 2).sort());
        }
      } else {
        expect(entry.kind).toBe('records');
        expect(entry.records).toHaveLength(1);
        const rec = entry.records![0]!;
        expect(rec.offset).toBeGreaterThan(1);
        const reason = { rawNewline: 'invalid_json', nonJsonRecord: 'invalid_json', noId: 'no_id', invalidUtf8: 'invalid_utf8', oversizeRecord: 'oversize' }[p.kind as string];
        expect(rec.reason).toBe(reason);
        if (p.kind === 'oversizeRecord') {
          expect(rec.file).toBeUndefined();
          expect(rec.message).toMatch(/larger than the limit of 2048 bytes/);
        } else {
          const bytes = readFileSync(join(folder, rec.file!));
          expect(bytes.length).toBe(rec.size);
          if (p.kind === 'rawNewline') expect(bytes.toString()).toContain('first line\nsecond line');
          if (p.kind === 'nonJsonRecord') expect(bytes.toString()).toContain('"SimNote":undefined');
          if (p.kind === 'noId') expect(bytes.toString()).toContain(`"SimId":"${ids[1]}"`);
          if (p.kind === 'invalidUtf8') expect(bytes.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x22]))).toBe(true);
        }
        expect(entry.deliveredIds.sort()).toEqual(ids.filter((_, k) => k !== 1).sort());
      }
    }

    // `state` counts them, in the committed totals and as waiting for replay.
    const st = await runCli(['state', '--config', config, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const parsed = JSON.parse(st.stdout) as { streams: Array<{ contentType: string; totals: Record<string, number>; pendingQuarantine: number }>; quarantine: { pending: number } };
    const byType = new Map(parsed.streams.map((s) => [s.contentType, s]));
    expect(byType.get('Audit.General')).toMatchObject({ totals: { quarantinedBlobs: 3, quarantinedRecords: 0 }, pendingQuarantine: 3 });
    expect(byType.get('Audit.Exchange')).toMatchObject({ totals: { quarantinedBlobs: 0, quarantinedRecords: 5 }, pendingQuarantine: 5 });
    expect(parsed.quarantine.pending).toBe(8);
    const table = await runCli(['state', '--config', config]);
    expect(table.stdout).toMatch(/QUAR\. BLOBS/);
    expect(table.stdout).toMatch(/8 quarantined blob\(s\) wait for replay/);

    // A second run neither fetches them again nor counts them twice.
    const again = await runCli(['collect', '--config', config, '--once']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/quarantined blobs 0, quarantined records 0/);
    expect(quarantineEntries(stateDir)).toHaveLength(8);
  }, 300_000);

  it('a transient failure (the connection cut mid-body on every attempt) never quarantines and never moves the cursor past the blob', async () => {
    sim = await startSimulator({
      tenants: 1,
      contentTypes: ['Audit.General'],
      blobsPerContentType: 4,
      recordsPerBlob: 3,
      recordSizeTarget: 0,
      seed: 89,
      maxConsecutiveFaults: 1000,
      faults: { cutBody: 1 },
    });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const r = await runCli(['collect', '--config', config, '--once']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/quarantined blobs 0/);
    expect(quarantineEntries(join(dir, 'state'))).toEqual([]);
    sim.setFaults({ cutBody: 0 });
    const ok = await runCli(['collect', '--config', config, '--once']);
    expect(ok.code, ok.stderr).toBe(0);
    const truth = allGroundTruth(sim);
    const verdict = checkExactlyOnce(await readDelivered(join(dir, 'out.ndjson')), truth, truth);
    expect(verdict.ok).toBe(true);
    expect(quarantineEntries(join(dir, 'state'))).toEqual([]);
  }, 300_000);

  it('replay fetches quarantined blobs again while the API has them: still bad stays kept, healed ones deliver their records exactly once', async () => {
    sim = await startPoisoned();
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'max_record_bytes: 2048\n');
    const first = await runCli(['collect', '--config', config, '--once']);
    expect(first.code, first.stderr).toBe(0);
    const stateDir = join(dir, 'state');
    const out = join(dir, 'out.ndjson');
    const truth = allGroundTruth(sim);
    const bad = undeliverable(sim);

    // Still poisoned: every blob is reported still bad, nothing is written twice, nothing is resolved.
    const still = await runCli(['replay', '--config', config, '--json']);
    expect(still.code, still.stderr).toBe(1);
    expect(still.stderr.match(/STILL BAD/g)).toHaveLength(8);
    expect(still.stderr).toMatch(/replayed 0, still bad 8, gone 0, failed 0, skipped 0; records delivered 0/);
    const stillJson = JSON.parse(still.stdout) as { blobs: Array<{ kind: string; outcome: string; delivered: number; duplicates: number }> };
    // Record entries: the good records of the blob come again and are dropped as already delivered.
    for (const b of stillJson.blobs.filter((x) => x.kind === 'records')) expect([b.delivered, b.duplicates]).toEqual([0, RECORDS - 1]);
    let delivered = await readDelivered(out);
    expect(delivered.counts.size).toBe(truth.size - bad.size);
    expect([...delivered.counts.values()].every((n) => n === 1)).toBe(true);
    expect(quarantineEntries(stateDir).every((e) => e.entry.status === 'quarantined' && e.entry.replays.length === 1)).toBe(true);

    // Healed (the API now serves good bodies): every blob is replayed, every record exactly once.
    sim.setFaults({ poison: [] });
    const healed = await runCli(['replay', '--config', config]);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stderr.match(/REPLAYED/g)).toHaveLength(8);
    expect(healed.stderr).toMatch(new RegExp(`replayed 8, still bad 0, gone 0, failed 0, skipped 0; records delivered ${bad.size}`));
    delivered = await readDelivered(out);
    expect(delivered.malformed).toBe(0);
    const verdict = checkExactlyOnce(delivered, truth, truth);
    expect({ missing: verdict.missing.length, duplicated: verdict.duplicated.length, unexpected: verdict.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
    const entries = quarantineEntries(stateDir);
    expect(entries.every((e) => e.entry.status === 'replayed' && e.entry.replays.map((r) => r.outcome).join() === 'still-bad,replayed')).toBe(true);
    // The truncated blob delivered its first half at collect time; replay adds only the rest.
    const t = entries.find((e) => e.entry.contentId === sim!.blobRecords(sim!.tenants[0]!.tenantId, 'Audit.General', 2).contentId)!;
    expect(t.entry.replays[1]).toMatchObject({ delivered: RECORDS / 2, duplicates: RECORDS / 2 });

    // Nothing waits any more; `state` agrees; a collect run after it stays exactly once.
    const none = await runCli(['replay', '--config', config]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/nothing waits in the quarantine/);
    const st = JSON.parse((await runCli(['state', '--config', config, '--json'])).stdout) as { quarantine: { pending: number } };
    expect(st.quarantine.pending).toBe(0);
    const after = await runCli(['collect', '--config', config, '--once']);
    expect(after.code, after.stderr).toBe(0);
    expect(checkExactlyOnce(await readDelivered(out), truth, truth).ok).toBe(true);
  }, 300_000);

  it('replay reports a blob the API no longer has as gone (exit 1) and stops offering it', async () => {
    sim = await startSimulator({
      tenants: 1,
      contentTypes: ['Audit.General'],
      blobsPerContentType: 3,
      recordsPerBlob: 4,
      recordSizeTarget: 0,
      seed: 90,
      faults: { poison: [{ contentType: 'Audit.General', blob: 1, kind: 'html200' }] },
    });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    expect((await runCli(['collect', '--config', config, '--once'])).code).toBe(0);
    sim.advance(8 * 24 * 3600_000); // past the 7 days the API keeps content: AF20051
    const r = await runCli(['replay', '--config', config]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/GONE .*t0 \/ Audit\.General/);
    expect(r.stderr).toMatch(/no longer has this blob \(AF20051\)/);
    const [e] = quarantineEntries(join(dir, 'state'));
    expect(e!.entry.status).toBe('gone');
    const again = await runCli(['replay', '--config', config]);
    expect(again.stderr).toMatch(/nothing waits/);
  }, 300_000);
});
