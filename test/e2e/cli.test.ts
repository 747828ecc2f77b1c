// End to end: the CLI's contract besides collecting: config errors exit 2 naming the key path,
// usage errors exit 2, --version, `check` explains setup problems in plain words, `state` shows
// the checkpoints, and `demo` runs the whole tour and passes its own exactly-once check.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { runCli, simTenants, tempDir, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('CLI contract (end to end)', () => {
  it('a config error exits 2 and names the key path and line', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'tenants:\n  - tenant_id: 7d1b4c2a-0000-4000-8000-000000000001\n    client_id: 9f0e8d7c-0000-4000-8000-000000000002\n    client_secret: ${O365_E2E_UNSET}\nintervall: 1m\n',
    );
    const r = await runCli(['collect', '--config', file, '--once'], { env: { O365_E2E_UNSET: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:4: tenants[0].client_secret: environment variable O365_E2E_UNSET is not set');
    expect(r.stderr).toMatch(/bad\.yaml:5: intervall: unknown key \(hint: did you mean "interval"\?\)/);
    expect(r.stdout).toBe('');
  }, 300_000);

  it('a YAML alias bomb exits 2 naming the file and line (not a crash)', async () => {
    const dir = tempDir();
    const file = join(dir, 'bomb.yaml');
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const [k, p] of [['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) rows.push(`${k}: &${k} [${Array(9).fill(`*${p}`).join(', ')}]`);
    writeFileSync(file, `${rows.join('\n')}\ntenants: []\n`);
    const r = await runCli(['collect', '--config', file, '--once']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('bomb.yaml:3: too many YAML alias expansions');
  }, 300_000);

  it('usage errors exit 2; --version prints the package version', async () => {
    const [missing, unknown, version] = await Promise.all([runCli(['collect']), runCli(['frobnicate']), runCli(['--version'])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--config/);
    expect(unknown.code).toBe(2);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
  }, 300_000);

  it('check explains a wrong secret, a missing ReadDlp and a disabled audit log, per tenant', async () => {
    sim = await startSimulator({
      tenantSpecs: [{ initiallySubscribed: false }, { readDlp: false }, {}, { auditDisabled: true, initiallySubscribed: false }],
      blobsPerContentType: 1,
      recordsPerBlob: 1,
      seed: 51,
    });
    const dir = tempDir();
    const tenants = simTenants(sim).map((t, i) => (i === 2 ? { ...t, secret: 'wrong-secret-value-123' } : t));
    const config = writeConfig(dir, sim, tenants);
    const r = await runCli(['check', '--config', config]);
    expect(r.code, r.stderr).toBe(1);
    const out = r.stdout;
    const blocks = out.split('\nTenant ').slice(1);
    expect(blocks).toHaveLength(4);
    // t0: healthy; its subscriptions were missing and are started now.
    expect(blocks[0]).toMatch(/ok +permissions: ActivityFeed\.Read/);
    expect(blocks[0]).toMatch(/Audit\.Exchange +subscription was missing; started now/);
    expect(blocks[0]).not.toMatch(/FAIL/);
    // t1: no ReadDlp, decoded from the token's roles claim.
    expect(blocks[1]).toMatch(/FAIL {2}DLP\.All is configured but the app lacks ActivityFeed\.ReadDlp/);
    // t2: secret ID instead of value.
    expect(blocks[2]).toMatch(/FAIL {2}getting a token failed/);
    expect(blocks[2]).toMatch(/Secret ID/);
    // t3: unified audit log off.
    expect(blocks[3]).toMatch(/unified audit log is not enabled/);
    expect(out).toMatch(/up to 12 hours/);
    expect(out + r.stderr).not.toContain(sim.tenants[0]!.clientSecret);
    expect(out + r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
  }, 300_000);

  it('state shows each stream\'s cursor, lag and totals after a run (table and JSON)', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 2, recordsPerBlob: 4, recordSizeTarget: 0, seed: 61 });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim));
    const run = await runCli(['collect', '--config', config, '--once']);
    expect(run.code, run.stderr).toBe(0);
    const [table, json] = await Promise.all([runCli(['state', '--config', config]), runCli(['state', '--config', config, '--json'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TENANT +CONTENT TYPE +CURSOR +LAG +RECORDS/);
    expect(table.stdout).toMatch(/t0 +Audit\.Exchange +\d{4}-\d\d-\d\dT/);
    const parsed = JSON.parse(json.stdout) as { streams: Array<{ contentType: string; label: string; cursor: string; lagMs: number; totals: { records: number } }> };
    expect(parsed.streams).toHaveLength(5);
    const total = parsed.streams.reduce((n, s) => n + s.totals.records, 0);
    expect(total).toBe(40);
    for (const s of parsed.streams) {
      expect(s.label).toBe('t0');
      expect(Number.isNaN(Date.parse(s.cursor))).toBe(false);
      expect(s.lagMs).toBeGreaterThanOrEqual(0);
    }
  }, 300_000);

  it('demo runs the tour into its folder and passes its exactly-once check', async () => {
    const dir = tempDir();
    const r = await runCli(['demo', '--dir', join(dir, 'demo-output'), '--tenants', '1', '--blobs', '3', '--no-elasticsearch'], { timeoutMs: 240_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Exactly-once check: OK/);
    expect(r.stdout).toMatch(/Sample lines:\n {2}\{/);
  }, 300_000);
});
