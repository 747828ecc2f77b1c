// End to end: `collect --once` against the simulator with faults on delivers every reachable
// record exactly once, sends PublisherIdentifier everywhere, never leaks a token to a foreign host
// and never prints or stores a secret or token.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExactlyOnce, readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { allGroundTruth, runCli, simTenants, tempDir, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  }, 300_000);
}

describe('collect --once (end to end)', () => {
  it('delivers every ground-truth record exactly once despite throttling, 5xx, cut bodies, duplicates and expiry', async () => {
    sim = await startSimulator({
      tenants: 2,
      blobsPerContentType: 6,
      recordsPerBlob: [5, 30],
      recordSizeTarget: 300,
      seed: 11,
      faults: {
        throttle403: { rate: 0.05, count: 5 },
        throttle429: { rate: 0.05, count: 3, retryAfterSeconds: 1 },
        serverError: { rate: 0.05, count: 5 },
        cutBody: { rate: 0.1, count: 4 },
        duplicateRecords: 0.3,
        expiredContent: 0.05,
        foreignContentUri: 0.05,
        missingSubscription: 0.3,
        shortTokens: 3,
      },
    });
    const dir = tempDir();
    // Duplicates are dropped within the collector's dedup horizon, which is `lookback` (+5 min);
    // the simulator copies records from up to 5 blobs (~5 h here) earlier, so widen it to 6h.
    const config = writeConfig(dir, sim, simTenants(sim), 'lookback: 6h\n');
    const before = sim.now();
    const r = await runCli(['collect', '--config', config, '--once']);
    expect(r.stderr).toMatch(/run finished/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');

    const delivered = await readDelivered(join(dir, 'out.ndjson'));
    const verdict = checkExactlyOnce(delivered, allGroundTruth(sim, before), allGroundTruth(sim));
    expect({ missing: verdict.missing.length, duplicated: verdict.duplicated.length, unexpected: verdict.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
    expect(verdict.ok).toBe(true);

    const stats = sim.stats();
    expect(stats.withoutPublisherIdentifier).toBe(0);
    expect(stats.rejectedWindows).toBe(0);
    expect(stats.windowsOver24h).toBe(0);
    expect(stats.foreignWithAuthorization).toBe(0);
    // The faults really happened (otherwise this test proves little).
    expect(stats.throttles + stats.serverErrors + stats.cutBodies).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/duplicates dropped [1-9]/);
  }, 300_000);

  it('never sends the token to a foreign contentUri or NextPageUri host, and counts refused URLs', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 4, recordsPerBlob: 5, recordSizeTarget: 0, seed: 5, faults: { foreignContentUri: 0.4, foreignNextPage: 1 } });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const r = await runCli(['collect', '--config', config, '--once']);
    const stats = sim.stats();
    expect(stats.foreignWithAuthorization).toBe(0);
    expect(stats.foreignLog.every((f) => !f.authorization)).toBe(true);
    expect(r.stderr).toMatch(/refused URLs [1-9]/);
    expect(r.code === 0 || r.code === 1).toBe(true);
  }, 300_000);

  it('prints no secret or token to stdout/stderr (even at trace level) and stores none in state or output', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 3, recordsPerBlob: 5, recordSizeTarget: 0, seed: 3, faults: { shortTokens: 2, serverError: { rate: 0.1, count: 2 } } });
    const dir = tempDir();
    const t = sim.tenants[0]!;
    const config = writeConfig(dir, sim, simTenants(sim));
    const r = await runCli(['collect', '--config', config, '--once', '--log-level', 'trace']);
    expect(r.code, r.stderr).toBe(0);
    const jwt = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./;
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(t.clientSecret);
      expect(text).not.toMatch(jwt);
    }
    for (const f of filesUnder(join(dir, 'state')).concat(join(dir, 'out.ndjson'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(t.clientSecret);
      expect(text, f).not.toMatch(jwt);
    }
    expect(sim.stats().tokensIssued).toBeGreaterThan(0);
  }, 300_000);
});
