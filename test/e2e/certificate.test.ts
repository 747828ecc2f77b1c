// End to end: certificate credentials from the config (private key + certificate file, or private
// key + thumbprint) get tokens from the simulator and collect every record exactly once.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExactlyOnce, readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { allGroundTruth, runCli, tempDir } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('certificate credentials (end to end)', () => {
  it('collects with certificate_file and with thumbprint', async () => {
    sim = await startSimulator({ tenantSpecs: [{ certificate: true }, { certificate: true }], blobsPerContentType: 2, recordsPerBlob: 3, recordSizeTarget: 0, seed: 71 });
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), sim.caPem);
    const lines = ['tenants:'];
    sim.tenants.forEach((t, i) => {
      const cert = t.certificate!;
      writeFileSync(join(dir, `key${i}.pem`), cert.privateKeyPem);
      writeFileSync(join(dir, `cert${i}.pem`), cert.certPem);
      lines.push(`  - tenant_id: ${t.tenantId}`, `    client_id: ${t.clientId}`, `    login_url: ${sim!.loginUrl}`, `    api_url: ${sim!.apiUrl}`);
      lines.push('    certificate:', `      private_key_file: key${i}.pem`);
      lines.push(i === 0 ? `      certificate_file: cert${i}.pem` : `      thumbprint: "${cert.thumbprintSha1}"`);
    });
    lines.push('ca_file: ca.pem', 'state_dir: state', 'output: { type: file, path: out.ndjson }', 'initial_interval: 1d');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `${lines.join('\n')}\n`);
    const before = sim.now();
    const r = await runCli(['collect', '--config', config, '--once']);
    expect(r.code, r.stderr).toBe(0);
    const v = checkExactlyOnce(await readDelivered(join(dir, 'out.ndjson')), allGroundTruth(sim, before), allGroundTruth(sim));
    expect(v.ok).toBe(true);
    expect(v.expected).toBe(2 * 5 * 2 * 3);
    expect(r.stderr).not.toContain('PRIVATE KEY');
  }, 300_000);
});
