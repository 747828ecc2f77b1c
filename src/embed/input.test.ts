// The embedding API against the real collector and the simulator (in process): delivery, acks in
// and out of order across a restart, back-pressure, stop, the sink form and the events.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../simulator/index.js';
import type { Simulator } from '../simulator/types.js';
import { collect } from './collect.js';
import { openInput } from './input.js';
import { simulatorConfig, simulatorIds } from './testing/sim-config.js';
import type { AuditBatch, InputOptions } from './types.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function setup(o: Parameters<typeof startSimulator>[0] = {}) {
  sim = await startSimulator({ tenants: 1, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'], blobsPerContentType: 6, recordsPerBlob: [20, 40], recordSizeTarget: 300, seed: 12, ...o });
  const dir = mkdtempSync(join(tmpdir(), 'o365-embed-'));
  const options = (extra: Partial<InputOptions> = {}): InputOptions => ({ config: simulatorConfig(sim!, dir), configOptions: { baseDir: dir }, logger: quiet, ...extra });
  return { sim, dir, options, truth: simulatorIds(sim) };
}

function ids(batches: AuditBatch[]): string[] {
  return batches.flatMap((b) => b.records.map((r) => r.id!));
}

describe('openInput', () => {
  it('delivers every simulator record once, in batches with their meta, and ends (once)', async () => {
    const { options, truth, sim } = await setup();
    const input = openInput(options({ once: true, batchSize: 50 }));
    const checkpoints: number[] = [];
    let progress = 0;
    input.on('checkpoint', (c) => checkpoints.push(c.through));
    input.on('progress', () => progress++);
    const got: AuditBatch[] = [];
    for await (const batch of input) {
      got.push(batch);
      // batchSize, exceeded by at most one record per other blob download in flight (blob_concurrency 4).
      expect(batch.records.length).toBeLessThanOrEqual(50 + 3);
      await batch.ack();
    }
    const all = ids(got);
    expect(all.length).toBe(truth.size);
    expect(new Set(all)).toEqual(truth);
    const r = got[0]!.records[0]!;
    expect(r.tenantId).toBe(sim.tenants[0]!.tenantId);
    expect(r.tenant).toBe('t0');
    expect(['Audit.Exchange', 'Audit.SharePoint']).toContain(r.contentType);
    expect(r.contentId).toMatch(/\S/);
    expect(JSON.parse(r.raw).Id).toBe(r.id);
    expect(got.map((b) => b.seq)).toEqual(got.map((_, i) => i + 1));
    expect(checkpoints.at(-1)).toBe(got.length);
    expect(progress).toBeGreaterThan(0);
    expect(input.summary?.records).toBe(truth.size);

    // Everything was acked and committed: a second run has nothing to deliver.
    let again = 0;
    for await (const b of openInput(options({ once: true }))) {
      again += b.records.length;
      await b.ack();
    }
    expect(again).toBe(0);
  });

  it('a restart delivers exactly what was not covered by the acked prefix (acks out of order)', async () => {
    const { options, truth } = await setup();
    const input = openInput(options({ batchSize: 40, maxUnackedBatches: 6, ackGraceMs: 300 }));
    let through = 0;
    input.on('checkpoint', (c) => (through = c.through));
    const it = input[Symbol.asyncIterator]();
    const got: AuditBatch[] = [];
    while (got.length < 6) {
      const next = await it.next();
      if (next.done) throw new Error('ended early');
      got.push(next.value);
    }
    // Ack 1, 2, 3 and 5: the prefix ends at 3; 4 and 6 are held.
    for (const i of [2, 0, 4, 1]) await got[i]!.ack();
    const deadline = Date.now() + 10_000;
    while (through < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(through).toBe(3);
    const committedIds = new Set(ids(got.slice(0, 3)));

    // Stop while 4 and 6 are held: the stop waits the grace period for them, then ends.
    await input.stop();
    const second: string[] = [];
    for await (const b of openInput(options({ once: true }))) {
      second.push(...b.records.map((r) => r.id!));
      await b.ack();
    }
    // Nothing from the acked prefix comes again; batch 5 (acked after a gap) and everything else does.
    expect(second.filter((id) => committedIds.has(id))).toEqual([]);
    expect(second.length).toBe(new Set(second).size);
    expect(new Set([...second, ...committedIds])).toEqual(truth);
    expect(second).toEqual(expect.arrayContaining(ids([got[4]!])));
  });

  it('a consumer that never acks blocks fetching at the bound', async () => {
    const { options, truth } = await setup({ blobsPerContentType: 20 });
    const input = openInput(options({ batchSize: 30, maxUnackedBatches: 3, ackGraceMs: 300 }));
    const fetched = new Map<string, number>();
    input.on('progress', (s) => fetched.set(s.contentType, s.records));
    const total = () => [...fetched.values()].reduce((a, b) => a + b, 0);
    const it = input[Symbol.asyncIterator]();
    const got: AuditBatch[] = [];
    // It reaches the bound, then stalls there: no batch beyond it within 3 s.
    for (;;) {
      const next = await Promise.race([it.next(), new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), got.length < 3 ? 60_000 : 3000))]);
      if (next === 'stalled') break;
      if (next.done) throw new Error('ended');
      got.push(next.value);
    }
    expect(got.length).toBe(3); // the bound
    const delivered = ids(got).length;
    expect(delivered).toBeLessThan(truth.size / 4);
    // Stalled, not buffering: nothing more is fetched while it waits.
    const atStall = total();
    await new Promise((r) => setTimeout(r, 2000));
    expect(total()).toBe(atStall);
    const summary = (await input.stop())!;
    // Fetched = handed out + the open batch: at most batchSize, plus one waiting write per blob in flight (blob_concurrency 4).
    expect(summary.records).toBeLessThanOrEqual(delivered + 30 + 4);
  });

  it('an AbortSignal stops a continuous run cleanly; acked batches are not fetched again', async () => {
    const { options, truth } = await setup();
    const ac = new AbortController();
    const got: AuditBatch[] = [];
    for await (const batch of openInput(options({ signal: ac.signal, batchSize: 25 }))) {
      got.push(batch);
      await batch.ack();
      if (got.length === 3) ac.abort();
    }
    expect(got.length).toBe(3);
    const first = new Set(ids(got));
    const rest: string[] = [];
    await collect({ ...options({ once: true }), sink: async (records) => void rest.push(...records.map((r) => r.id!)) });
    expect(rest.filter((id) => first.has(id))).toEqual([]);
    expect(new Set([...rest, ...first])).toEqual(truth);
  });

  it('config errors surface from the first next(), naming the key path', async () => {
    const input = openInput({ config: { tenants: [], intervall: '1m' }, logger: quiet });
    const err = await input[Symbol.asyncIterator]().next().then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('O365_ERR_CONFIG');
    expect(err?.message).toMatch(/- tenants: must not be empty/);
    expect(err?.message).toMatch(/- intervall: unknown key/);
  });
});

describe('collect', () => {
  it('sink with concurrency: out-of-order completion, every record once', async () => {
    const { options, truth } = await setup();
    const seen: string[] = [];
    let inSink = 0;
    let maxInSink = 0;
    const summary = await collect({
      ...options({ once: true, batchSize: 20 }),
      concurrency: 3,
      sink: async (records, batch) => {
        inSink++;
        maxInSink = Math.max(maxInSink, inSink);
        await new Promise((r) => setTimeout(r, batch.seq % 2 === 0 ? 5 : 40)); // even ones overtake
        seen.push(...records.map((r) => r.id!));
        inSink--;
      },
    });
    expect(maxInSink).toBe(3);
    expect(seen.length).toBe(truth.size);
    expect(new Set(seen)).toEqual(truth);
    expect(summary.records).toBe(truth.size);
  });

  it('a sink that rejects stops the run with its error; the restart delivers the rest', async () => {
    const { options, truth } = await setup();
    const ok: string[] = [];
    let calls = 0;
    await expect(
      collect({
        ...options({ once: true, batchSize: 30 }),
        sink: async (records) => {
          if (++calls === 4) throw new Error('shipper down');
          ok.push(...records.map((r) => r.id!));
        },
      }),
    ).rejects.toThrow('shipper down');
    const rest: string[] = [];
    await collect({ ...options({ once: true }), sink: async (records) => void rest.push(...records.map((r) => r.id!)) });
    expect(new Set([...ok, ...rest])).toEqual(truth);
    expect(rest.length).toBeLessThan(truth.size);
  });
});
