// End to end: listing pages and blob bodies that trickle (a byte now and then, never silent long
// enough for an idle timeout) cannot keep a `collect --once` run going forever: request_deadline
// and blob_deadline end each attempt, the retries run out, the run ends and says why.

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { runCli, simTenants, tempDir, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('collect --once with trickling bodies (end to end)', () => {
  it('ends by itself: every trickling listing page and blob is cut at its deadline and reported', async () => {
    sim = await startSimulator({
      tenants: 1,
      contentTypes: ['Audit.Exchange', 'Audit.SharePoint'],
      blobsPerContentType: 4,
      recordsPerBlob: [2, 4],
      seed: 3,
      faults: { trickleBody: { rate: 0.4, intervalMs: 200 } },
    });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'request_deadline: 2s\nblob_deadline: 2s\n');
    const t0 = Date.now();
    // Without the deadlines one 1.5 KB blob alone would take 5 minutes at this pace, on every try.
    const r = await runCli(['collect', '--config', config, '--once', '--log-level', 'warn'], { timeoutMs: 170_000 });
    const took = Date.now() - t0;
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/did not finish within (blob|request)_deadline \(2s\)/);
    expect(took).toBeLessThan(150_000);
    expect(sim.stats().trickledBytes).toBeGreaterThan(0);
  }, 200_000);
});
