// End to end: `collect` with `health_events: {}` against the simulator. A stream that fails (every API
// call answers 5xx) writes one stream-failing event with its error code, then one stream-recovered
// when the faults stop; a poison blob writes blob-quarantined; a skewed API clock writes clock-skew.
// Each event is an ECS document of dataset o365_audit.collector in the output, beside the records,
// and none carries a secret.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_EVENT_PREFIX } from '../../src/monitoring/health-events.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { simTenants, spawnCli, tempDir, waitFor, writeConfig } from './helpers.js';
import type { ChildProcess } from 'node:child_process';

let sim: Simulator | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await sim?.close();
  sim = undefined;
});

interface HealthDoc {
  event: { dataset: string; module: string; action: string; outcome: string; severity: number; reason: string };
  '@timestamp': string;
  message: string;
  organization: { id: string; name?: string };
  error?: { code: string; message: string };
  o365_audit: { collector: { tenant_id: string; tenant?: string; content_type?: string; state: string; count?: number; clock_skew_seconds?: number; hint?: string } };
}

function healthEvents(file: string): HealthDoc[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith(HEALTH_EVENT_PREFIX))
    .map((l) => JSON.parse(l) as HealthDoc);
}

describe('health events (end to end)', () => {
  it('stream failing (with its code), recovered, blob quarantined and clock skew reach the output once each, without secrets', async () => {
    sim = await startSimulator({
      tenants: 1,
      contentTypes: ['Audit.Exchange'],
      blobsPerContentType: 3,
      recordsPerBlob: 4,
      recordSizeTarget: 0,
      seed: 9,
      initiallySubscribed: true,
      faults: { serverError: 1, dateSkew: { ms: 20 * 60_000 }, poison: [{ contentType: 'Audit.Exchange', blob: 1, kind: 'notJson' }] },
    });
    const dir = tempDir('o365-health-');
    const tenants = simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.Exchange'] }));
    const config = writeConfig(dir, sim, tenants, 'health_events: {}\ninterval: 1s\ncommit_interval: 1s\n');
    // Few, fast retries: the stream must fail within seconds.
    writeFileSync(config, readFileSync(config, 'utf8').replace('retry: { max_attempts: 6, base_delay: 1s, max_delay: 2s }', 'retry: { max_attempts: 2, base_delay: 1s, max_delay: 1s }'));
    const out = join(dir, 'out.ndjson');
    const run = spawnCli(['collect', '--config', config]);
    child = run.child;
    const has = (action: string) => healthEvents(out).some((e) => e.event.action === action);

    expect(await waitFor(() => has('stream-failing'), 60_000, 200)).toBe(true);
    sim.setFaults({ serverError: 0 });
    expect(await waitFor(() => has('stream-recovered') && has('blob-quarantined'), 60_000, 200)).toBe(true);
    // A few more polls: nothing is repeated while the state stays the same.
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);

    const events = healthEvents(out);
    const actions = events.map((e) => e.event.action);
    expect(actions.filter((a) => a === 'stream-failing')).toHaveLength(1);
    expect(actions.filter((a) => a === 'stream-recovered')).toHaveLength(1);
    expect(actions.filter((a) => a === 'blob-quarantined')).toHaveLength(1);
    expect(actions.filter((a) => a === 'clock-skew')).toHaveLength(1);
    expect(actions.indexOf('stream-failing')).toBeLessThan(actions.indexOf('stream-recovered'));
    const t = sim.tenants[0]!;
    for (const e of events) {
      expect(e.event).toMatchObject({ dataset: 'o365_audit.collector', module: 'o365_audit' });
      expect(e.organization).toEqual({ id: t.tenantId, name: 't0' });
      expect(e.o365_audit.collector.tenant_id).toBe(t.tenantId);
      expect(Number.isNaN(Date.parse(e['@timestamp']))).toBe(false);
    }
    const failing = events.find((e) => e.event.action === 'stream-failing')!;
    expect(failing).toMatchObject({ event: { outcome: 'failure', severity: 3 }, o365_audit: { collector: { state: 'failing', content_type: 'Audit.Exchange' } } });
    expect(failing.error?.code).toMatch(/^(AF\d+|O365_ERR_\w+)$/);
    expect(failing.message).toContain('t0 / Audit.Exchange is failing');
    expect(events.find((e) => e.event.action === 'stream-recovered')).toMatchObject({ event: { outcome: 'success' }, o365_audit: { collector: { state: 'ok' } } });
    expect(events.find((e) => e.event.action === 'blob-quarantined')!.o365_audit.collector.count).toBe(1);
    expect(events.find((e) => e.event.action === 'clock-skew')!.o365_audit.collector.clock_skew_seconds).toBeGreaterThanOrEqual(20 * 60 - 2);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(t.clientSecret);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  }, 180_000);
});
