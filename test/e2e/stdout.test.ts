// End to end: with `output: {type: stdout}` stdout carries the records and nothing else (logs and
// the summary go to stderr), each reachable record exactly once.

import { readFileSync, writeFileSync } from 'node:fs';
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

describe('stdout output (end to end)', () => {
  it('stdout holds only records, each exactly once; the summary is on stderr', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 3, recordsPerBlob: [2, 9], recordSizeTarget: 200, seed: 81, faults: { serverError: { rate: 0.1, count: 3 } } });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    // The same config, with the output switched to stdout.
    writeFileSync(config, readFileSync(config, 'utf8').replace('output: { type: file, path: out.ndjson }', 'output: { type: stdout }'));
    const before = sim.now();
    const r = await runCli(['collect', '--config', config, '--once', '--log-level', 'info']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/collector starting/);
    expect(r.stderr).toMatch(/run finished/);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => typeof (JSON.parse(l) as { Id?: unknown }).Id === 'string')).toBe(true);
    writeFileSync(join(dir, 'stdout.ndjson'), r.stdout);
    const v = checkExactlyOnce(await readDelivered(join(dir, 'stdout.ndjson')), allGroundTruth(sim, before), allGroundTruth(sim));
    expect({ missing: v.missing.length, duplicated: v.duplicated.length, unexpected: v.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
  }, 300_000);
});
