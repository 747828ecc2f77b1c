// End to end: failures stay inside their tenant or stream. A tenant with a wrong secret and a
// tenant without ActivityFeed.ReadDlp do not stop the others; the run exits 1 and the summary
// names each failing stream with its error code, AF code and a hint.

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

describe('multi-tenant isolation (end to end)', () => {
  it('a broken tenant and a missing ReadDlp fail only their own streams', async () => {
    sim = await startSimulator({
      tenantSpecs: [{}, { readDlp: false }, {}],
      blobsPerContentType: 3,
      recordsPerBlob: 8,
      recordSizeTarget: 0,
      seed: 41,
    });
    const [good, noDlp, broken] = sim.tenants;
    const dir = tempDir();
    const tenants = simTenants(sim).map((t, i) => (i === 2 ? { ...t, secret: 'not-the-right-secret-value', label: 'broken' } : i === 1 ? { ...t, label: 'nodlp' } : { ...t, label: 'good' }));
    const config = writeConfig(dir, sim, tenants);
    const before = sim.now();
    const r = await runCli(['collect', '--config', config, '--once']);

    expect(r.code, r.stderr).toBe(1);
    const summary = r.stderr.slice(r.stderr.indexOf('o365-audit: run finished'));
    expect(summary).toMatch(/finished with 6 failing stream\(s\)/);
    // The wrong secret: every stream of that tenant fails with the auth code and the secret-value hint.
    for (const ct of broken!.contentTypes) expect(summary).toMatch(new RegExp(`broken / ${ct.replace('.', '\\.')} .*FAILED \\[O365_ERR_AUTH`));
    expect(summary).toMatch(/secret VALUE|secret ID/i);
    // Missing ReadDlp: only DLP.All of that tenant, with Microsoft's AF code.
    expect(summary).toMatch(/nodlp \/ DLP\.All .*FAILED \[O365_ERR_API AF10001\]/);
    expect(summary).toMatch(/nodlp \/ Audit\.Exchange .* ok/);
    expect(summary).toMatch(/good \/ DLP\.All .* ok/);

    const delivered = await readDelivered(join(dir, 'out.ndjson'));
    const skip = (tid: string, ct: string) => tid === broken!.tenantId || (tid === noDlp!.tenantId && ct === 'DLP.All');
    const v = checkExactlyOnce(delivered, allGroundTruth(sim, before, skip), allGroundTruth(sim, undefined, skip));
    expect({ missing: v.missing.length, duplicated: v.duplicated.length, unexpected: v.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
    expect(allGroundTruth(sim, before, (tid) => tid !== good!.tenantId).size).toBeGreaterThan(0);
  }, 300_000);
});
