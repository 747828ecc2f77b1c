// End to end: the collector is killed with SIGKILL at several moments (start-up, mid-download,
// mid-commit, whatever the timing hits), restarted, and in the end every reachable record is in
// the output exactly once. SIGTERM mid-run ends cleanly with exit code 0 and resumes exactly once.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { EXACTLY_ONCE, exactlyOnceVerdict, fileSize, killAtOutputSteps, runCli, simTenants, spawnCli, tempDir, waitFor, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('crash safety (end to end)', () => {
  it('kill -9 at several moments, restart: every record exactly once', async () => {
    sim = await startSimulator({
      tenants: 2,
      blobsPerContentType: 12,
      recordsPerBlob: [20, 60],
      recordSizeTarget: 600,
      seed: 21,
      faults: { slow: { rate: 0.3, delayMs: 150 }, cutBody: { rate: 0.05, count: 4 } },
    });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'commit_interval: 1s\n');
    const out = join(dir, 'out.ndjson');
    const before = sim.now();

    // First kill lands during start-up; the next ones after the output has grown by a step each.
    const killsAfterOutput = await killAtOutputSteps(config, out, [0, 40_000, 150_000, 400_000]);
    expect(killsAfterOutput).toBeGreaterThan(0);

    const final = await runCli(['collect', '--config', config, '--once']);
    expect(final.code, final.stderr).toBe(0);
    expect(await exactlyOnceVerdict(sim, out, before)).toEqual(EXACTLY_ONCE);
  }, 300_000);

  it('SIGTERM mid-run exits 0 after committing; a restart completes exactly once', async () => {
    sim = await startSimulator({
      tenants: 1,
      blobsPerContentType: 10,
      recordsPerBlob: [20, 40],
      recordSizeTarget: 500,
      seed: 31,
      faults: { slow: { rate: 0.5, delayMs: 300 } },
    });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const out = join(dir, 'out.ndjson');
    const before = sim.now();

    // Continuous mode: it would poll forever; SIGTERM must end it cleanly.
    const { child, done } = spawnCli(['collect', '--config', config]);
    let exited = false;
    void done.then(() => (exited = true));
    await waitFor(() => exited || fileSize(out) > 20_000, 120_000, 20);
    expect(exited).toBe(false);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/run stopped/);

    const again = await runCli(['collect', '--config', config, '--once']);
    expect(again.code, again.stderr).toBe(0);
    expect(await exactlyOnceVerdict(sim, out, before)).toEqual(EXACTLY_ONCE);
  }, 300_000);
});
