// End to end: a stream checkpoint file deleted by hand is detected from the state journal. The
// collector refuses that stream (exit 1, naming the file, tenant and content type, with a hint)
// instead of silently starting it over; the other streams run; `state` reports it; `state --forget`
// starts it over on purpose. A deleted file that the journal's last commit holds is restored.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { runCli, simTenants, tempDir, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('missing stream checkpoint (end to end)', () => {
  it('is refused with a clear error, never started over silently; state reports it; --forget starts it over on purpose', async () => {
    sim = await startSimulator({ tenants: 1, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'], blobsPerContentType: 3, recordsPerBlob: 4, recordSizeTarget: 0, seed: 91 });
    const dir = tempDir();
    const both = simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'] }));
    const config = writeConfig(dir, sim, both);
    const out = join(dir, 'out.ndjson');
    const first = await runCli(['collect', '--config', config, '--once']);
    expect(first.code, first.stderr).toBe(0);
    const delivered = (await readDelivered(out)).lines;
    expect(delivered).toBe(24);
    // A run with Audit.Exchange only: the journal's last commit then holds that stream alone.
    writeConfig(dir, sim, both.map((t) => ({ ...t, contentTypes: ['Audit.Exchange'] })));
    expect((await runCli(['collect', '--config', config, '--once'])).code).toBe(0);
    writeConfig(dir, sim, both);

    // The checkpoint of Audit.SharePoint is deleted by hand.
    const tenant = sim.tenants[0]!.tenantId;
    const victim = 'Audit.SharePoint';
    const journal = JSON.parse(readFileSync(join(dir, 'state', 'commit.json'), 'utf8')) as { streams: Array<{ contentType: string }> };
    expect(journal.streams.map((s) => s.contentType)).toEqual(['Audit.Exchange']);
    const file = join(dir, 'state', tenant, `${victim}.json`);
    expect(existsSync(file)).toBe(true);
    rmSync(file);

    const second = await runCli(['collect', '--config', config, '--once']);
    expect((await readDelivered(out)).lines).toBe(delivered); // nothing delivered twice
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toContain(file);
    expect(second.stderr).toContain(`tenant ${tenant}, content type ${victim}`);
    expect(second.stderr).toMatch(/FAILED \[O365_ERR_STATE\]/);
    expect(second.stderr).toMatch(/--forget/);
    expect(existsSync(file)).toBe(false); // not recreated from the beginning

    const state = await runCli(['state', '--config', config]);
    expect(state.code).toBe(1);
    expect(state.stderr).toContain(`MISSING CHECKPOINT tenant ${tenant}, content type ${victim}`);

    const forgot = await runCli(['state', '--config', config, '--forget', `${tenant}/${victim}`]);
    expect(forgot.code, forgot.stderr).toBe(0);
    const third = await runCli(['collect', '--config', config, '--once']);
    expect(third.code, third.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    // Started over on purpose: the stream is listed again from initial_interval, and the record-Id
    // index (which --forget keeps) drops the 12 records already delivered: still exactly once.
    expect((await readDelivered(out)).lines).toBe(delivered);
    expect(third.stderr).toMatch(/duplicates dropped 12/);
  }, 300_000);

  it('is restored from the journal when its last commit holds it', async () => {
    sim = await startSimulator({ tenants: 1, contentTypes: ['Audit.Exchange'], blobsPerContentType: 3, recordsPerBlob: 4, recordSizeTarget: 0, seed: 92 });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.Exchange'] })));
    const out = join(dir, 'out.ndjson');
    expect((await runCli(['collect', '--config', config, '--once'])).code).toBe(0);
    const tenant = sim.tenants[0]!.tenantId;
    const journal = JSON.parse(readFileSync(join(dir, 'state', 'commit.json'), 'utf8')) as { streams: Array<{ contentType: string; cursor: number }> };
    const held = journal.streams[0]!;
    const file = join(dir, 'state', tenant, `${held.contentType}.json`);
    rmSync(file);
    const again = await runCli(['collect', '--config', config, '--once']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/restored from the last commit in the journal/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { checkpoint: { cursor: number } }).checkpoint.cursor).toBeGreaterThanOrEqual(held.cursor);
    expect((await readDelivered(out)).lines).toBe(12);
  }, 300_000);
});
