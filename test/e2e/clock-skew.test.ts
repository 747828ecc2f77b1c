// End to end: the real CLI against the simulator whose `Date` header is skewed (a skewed server or a
// proxy that rewrites Date) both ways, in --once and continuous runs, then a run after the skew is
// gone: every record arrives exactly once, nothing is declared lost, and the skew is reported in
// the log, the run summary and `o365-audit state`.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/types.js';
import { EXACTLY_ONCE, allGroundTruth, exactlyOnceVerdict, runCli, simTenants, sleep, spawnCli, tempDir, waitFor, writeConfig } from './helpers.js';

const DAY = 86_400_000;
const MIN = 60_000;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const base: SimulatorOptions = { tenants: 1, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'], blobsPerContentType: 6, recordsPerBlob: [3, 8], recordSizeTarget: 0 };

async function stateJson(config: string): Promise<Array<{ contentType: string; cursor: string; clockSkew?: { skewMs: number } }>> {
  const r = await runCli(['state', '--config', config, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { streams: Array<{ contentType: string; cursor: string; clockSkew?: { skewMs: number } }> }).streams;
}

describe('clock skew (end to end)', () => {
  it('Date 8 days ahead, --once: every record, cursors not in the future, skew reported; the run after the skew gets the new records once', async () => {
    // Blobs keep appearing for 40 s after start, so the run after the skew has new records to fetch.
    sim = await startSimulator({ ...base, seed: 81, spanMs: 60_000, futureMs: 40_000, faults: { dateSkew: 8 * DAY } });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const out = join(dir, 'out.ndjson');
    const before = sim.now();

    const skewed = await runCli(['collect', '--config', config, '--once']);
    expect(await exactlyOnceVerdict(sim, out, before)).toEqual(EXACTLY_ONCE);
    expect(skewed.code, skewed.stderr).toBe(0);
    expect(skewed.stderr).toMatch(/CLOCK SKEW t0: the API's Date is \+8d/);
    expect(skewed.stderr).toMatch(/spans lost to expiry 0, blobs lost 0/);
    expect(skewed.stderr).not.toMatch(/DATA LOST/);
    const states = await stateJson(config);
    for (const s of states) {
      expect(Date.parse(s.cursor)).toBeLessThanOrEqual(Date.now());
      expect(s.clockSkew?.skewMs).toBeGreaterThan(8 * DAY - 5000);
    }

    // The skew is gone; wait for the rest of the blobs to appear.
    sim.setFaults({ dateSkew: 0 });
    await waitFor(() => sim!.now() > sim!.startedAt + 42_000, 60_000, 200);
    const after = sim.now();
    const clean = await runCli(['collect', '--config', config, '--once']);
    expect(await exactlyOnceVerdict(sim, out, after)).toEqual(EXACTLY_ONCE);
    expect(allGroundTruth(sim, after).size).toBeGreaterThan(allGroundTruth(sim, before).size); // new blobs did appear
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).not.toMatch(/CLOCK SKEW/);
    for (const s of await stateJson(config)) expect(s.clockSkew).toBeUndefined();
  }, 300_000);

  it('Date 8 days behind, --once: held (exit 1, O365_ERR_CLOCK_SKEW), nothing lost; the run after the skew gets every record once and reports no lost span', async () => {
    sim = await startSimulator({ ...base, seed: 82, faults: { dateSkew: -8 * DAY } });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const out = join(dir, 'out.ndjson');
    const before = sim.now();

    const skewed = await runCli(['collect', '--config', config, '--once']);
    const table = await runCli(['state', '--config', config]);
    sim.setFaults({ dateSkew: 0 });
    const clean = await runCli(['collect', '--config', config, '--once']);
    // After the skew: every record once, and no span reported lost (main reported days of them).
    expect(await exactlyOnceVerdict(sim, out, before)).toEqual(EXACTLY_ONCE);
    expect(clean.stderr).toMatch(/spans lost to expiry 0, blobs lost 0/);
    expect(clean.stderr).not.toMatch(/DATA LOST|"level":50/);
    expect(clean.code, clean.stderr).toBe(0);

    // During the skew: held, reported, nothing lost.
    expect(skewed.code, skewed.stderr).toBe(1);
    expect(skewed.stderr).toMatch(/CLOCK SKEW t0: the API's Date is -8d/);
    expect(skewed.stderr).toMatch(/FAILED \[O365_ERR_CLOCK_SKEW\]/);
    expect(skewed.stderr).toMatch(/hint: .*NTP/);
    expect(skewed.stderr).toMatch(/spans lost to expiry 0, blobs lost 0/);
    expect(table.stdout).toMatch(/CLOCK SKEW t0 \/ Audit\.Exchange: the API's Date was -8d/);
  }, 300_000);

  it('continuous run with Date 10 minutes ahead, then 8 days behind on some responses, then gone: every record once, none lost', async () => {
    // New blobs appear over 60 s while the collector polls every second; a short lookback means a
    // cursor that ran ahead of real time (main followed the skewed Date) would skip them for good.
    sim = await startSimulator({ ...base, seed: 83, blobsPerContentType: 12, spanMs: 60_000, futureMs: 60_000, faults: { dateSkew: 10 * MIN } });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'interval: 1s\nlookback: 1m\n');
    const out = join(dir, 'out.ndjson');
    const before = sim.now();

    const { child, done } = spawnCli(['collect', '--config', config]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => sim!.now() > sim!.startedAt + 30_000, 60_000, 200);
    sim.setFaults({ dateSkew: { ms: -8 * DAY, rate: 0.5 } });
    await waitFor(() => sim!.now() > sim!.startedAt + 62_000, 60_000, 200);
    sim.setFaults({ dateSkew: 0 });
    await sleep(3000);
    child.kill('SIGTERM');
    const r = await done;

    // The skew is gone: a --once run (a fresh process, so no remembered skew) completes the set.
    const clean = await runCli(['collect', '--config', config, '--once']);
    // Every blob has appeared by now: all of them are expected.
    expect(await exactlyOnceVerdict(sim, out, sim.now())).toEqual(EXACTLY_ONCE);
    expect(clean.code, clean.stderr).toBe(0);
    expect(r.code, r.stderr).toBe(0);
    expect(stderr).toMatch(/clock skew/);
    expect(stderr).not.toMatch(/DATA LOST/);
    expect(stderr).toMatch(/spans lost to expiry 0, blobs lost 0/);
    expect((await readDelivered(out)).lines).toBe(allGroundTruth(sim).size);
    expect(allGroundTruth(sim).size).toBeGreaterThan(allGroundTruth(sim, before).size); // blobs did appear during the run
  }, 300_000);

  it('first run with initial_interval 7d: no lost span, nothing at error level, every record once (no false alarm)', async () => {
    // Blobs over the whole 7 days, the oldest just inside the collector's 5-minute safety margin.
    sim = await startSimulator({ ...base, contentTypes: ['Audit.Exchange'], seed: 84, spanMs: 7 * DAY - 6 * MIN, blobsPerContentType: 40 });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.Exchange'] })));
    writeFileSync(config, readFileSync(config, 'utf8').replace('initial_interval: 1d', 'initial_interval: 7d\nwindow: 24h'));
    const out = join(dir, 'out.ndjson');
    const before = sim.now();
    const r = await runCli(['collect', '--config', config, '--once']);
    expect(r.stderr).not.toMatch(/DATA LOST/);
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.stderr).toMatch(/spans lost to expiry 0, blobs lost 0/);
    expect(r.code, r.stderr).toBe(0);
    expect(await exactlyOnceVerdict(sim, out, before)).toEqual(EXACTLY_ONCE);
  }, 300_000);
});
