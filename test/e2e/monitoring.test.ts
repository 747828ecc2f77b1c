// End to end: `collect` (continuous) with `metrics.listen` against the simulator. /metrics is scraped
// during the run and read with a real exposition parser; its figures must equal what the output
// received (per tenant and content type, from the simulator's ground truth) and what the simulator
// saw (throttles, tokens). /ready must flip when an output goes down and back; no secret may appear
// in any metric or probe answer.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDelivered } from '../../src/cli/delivery-check.js';
import { scrape, type Scraped } from '../../src/monitoring/testing/scrape.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { simTenants, sleep, spawnCli, tempDir, waitFor, writeConfig, type CliResult } from './helpers.js';
import type { ChildProcess } from 'node:child_process';

let sim: Simulator | undefined;
let child: ChildProcess | undefined;
const servers: Server[] = [];
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await sim?.close();
  sim = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Starts `collect` and resolves with the monitoring URL it logs once listening. */
async function startCollect(config: string): Promise<{ url: string; done: Promise<CliResult>; stderr: () => string; proc: ChildProcess }> {
  const run = spawnCli(['collect', '--config', config]);
  child = run.child;
  let stderr = '';
  run.child.stderr!.on('data', (d: string) => (stderr += d));
  let url: string | undefined;
  const found = await waitFor(() => {
    for (const line of stderr.split('\n')) {
      if (!line.includes('metrics and probes')) continue;
      url = (JSON.parse(line) as { url: string }).url;
    }
    return url !== undefined;
  }, 60_000);
  expect(found, stderr).toBe(true);
  return { url: url!, done: run.done, stderr: () => stderr, proc: run.child };
}

async function getJson(url: string): Promise<{ status: number; body: { status: string; checks: Array<{ name: string; ok: boolean; detail?: string }> } }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as never };
}

/** Scrapes until every stream has caught up and nothing waits in an output, twice in a row unchanged. */
async function scrapeWhenSettled(url: string, streams: number): Promise<Scraped> {
  let prev: number | undefined;
  for (let i = 0; i < 240; i++) {
    const m = await scrape(url);
    const caughtUp = m.samples('o365_audit_last_success_timestamp_seconds').length === streams;
    const settled = caughtUp && m.sum('o365_audit_output_queue_depth') === 0 && m.sum('o365_audit_records_total') > 0;
    const records = m.sum('o365_audit_records_total');
    if (settled && prev === records) return m;
    prev = settled ? records : undefined;
    await sleep(500);
  }
  throw new Error('the run did not settle');
}

describe('metrics, /health and /ready (end to end)', () => {
  it('scraped during a run, the metrics equal what was delivered and what the API saw; no secret in them', async () => {
    sim = await startSimulator({
      tenants: 2,
      contentTypes: ['Audit.Exchange', 'Audit.SharePoint'],
      blobsPerContentType: 4,
      recordsPerBlob: [3, 12],
      recordSizeTarget: 300,
      seed: 23,
      faults: { throttle429: { rate: 0.2, count: 4, retryAfterSeconds: 1 }, duplicateRecords: 0.3, shortTokens: 3 },
    });
    const dir = tempDir('o365-metrics-');
    const tenants = simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'] }));
    const config = writeConfig(dir, sim, tenants, 'metrics: { listen: "127.0.0.1:0" }\ninterval: 1s\ncommit_interval: 1s\nlookback: 6h\n');
    const run = await startCollect(config);
    const streams = 4;

    const m = await scrapeWhenSettled(run.url, streams);
    const delivered = await readDelivered(join(dir, 'out.ndjson'));
    const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter((l) => l !== '');
    // The file did not move since the scrape (settled), so both describe the same moment.
    expect(m.sum('o365_audit_records_total')).toBe(lines.length);
    expect(m.sum('o365_audit_output_records_total', { output: 'file' })).toBe(lines.length);
    expect(m.sum('o365_audit_record_bytes_total')).toBe(lines.reduce((n, l) => n + Buffer.byteLength(l), 0));
    const ids = new Set(delivered.counts.keys());
    expect([...delivered.counts.values()].every((n) => n === 1)).toBe(true);
    for (const t of sim.tenants) {
      for (const ct of t.contentTypes) {
        const want = [...sim.groundTruth(t.tenantId, ct)].filter((id) => ids.has(id)).length;
        expect(want, `${t.tenantId} ${ct}`).toBeGreaterThan(0);
        expect(m.sum('o365_audit_records_total', { tenant_id: t.tenantId, content_type: ct }), `${t.tenantId} ${ct}`).toBe(want);
      }
    }
    // Labels carry the tenant's label from the config.
    expect(new Set(m.samples('o365_audit_records_total').map((s) => s.labels.tenant))).toEqual(new Set(tenants.map((t) => t.label)));
    const st = sim.stats();
    expect(st.throttles).toBeGreaterThan(0);
    expect(m.sum('o365_audit_api_throttled_total')).toBe(st.throttles);
    expect(m.sum('o365_audit_api_retries_total')).toBeGreaterThanOrEqual(st.throttles);
    // Every token after each tenant's first is a refresh (short-lived tokens force some). Polling goes
    // on, so the scrape is bracketed by two readings of the simulator.
    const before = sim.stats().tokensIssued;
    const refreshes = (await scrape(run.url)).sum('o365_audit_token_refreshes_total');
    const after = sim.stats().tokensIssued;
    expect(refreshes).toBeGreaterThan(0);
    expect(refreshes).toBeGreaterThanOrEqual(before - sim.tenants.length);
    expect(refreshes).toBeLessThanOrEqual(after - sim.tenants.length);
    expect(m.sum('o365_audit_blobs_total')).toBe(st.blobsServed - st.cutBodies);
    for (const s of m.samples('o365_audit_cursor_lag_seconds')) expect(s.value).toBeLessThan(120);
    expect(m.sum('o365_audit_up')).toBe(1);
    expect(m.sum('o365_audit_commits_total')).toBeGreaterThan(0);
    expect(m.names()).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'o365_audit_build_info']));
    // Conventions: counters end in _total, units in the name.
    for (const name of m.names().filter((n) => n.startsWith('o365_audit_'))) expect(name).toMatch(/^o365_audit_[a-z_]+$/);

    const health = await getJson(`${run.url}/health`);
    const ready = await getJson(`${run.url}/ready`);
    expect(health.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.map((c) => c.name)).toEqual(['config', 'state', 'output:file']);
    for (const text of [m.text, JSON.stringify(health.body), JSON.stringify(ready.body)]) {
      for (const t of sim.tenants) expect(text).not.toContain(t.clientSecret);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT
    }

    run.proc.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    // The run summary tells the same story (nothing was delivered after the scrape).
    expect(r.stderr).toContain(`records ${lines.length}, blobs ${m.sum('o365_audit_blobs_total')}, `);
    expect(r.stderr).toMatch(new RegExp(`duplicates dropped ${m.sum('o365_audit_duplicates_dropped_total')}\\b`));
    expect(r.stderr).toMatch(new RegExp(`quarantined blobs ${m.sum('o365_audit_blobs_quarantined_total')}\\b`));
    // The endpoint goes away with the run.
    await expect(fetch(`${run.url}/health`)).rejects.toThrow();
  }, 180_000);

  it('/ready turns 503 when an output becomes unreachable and 200 when it is back; /health stays 200', async () => {
    sim = await startSimulator({ tenants: 1, contentTypes: ['Audit.General'], blobsPerContentType: 2, recordsPerBlob: 3, recordSizeTarget: 0, seed: 3 });
    const receiver = (): Server => createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
    let http = receiver();
    servers.push(http);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    const dir = tempDir('o365-ready-');
    const config = writeConfig(dir, sim, simTenants(sim), 'metrics: { listen: "127.0.0.1:0" }\ninterval: 1s\ncommit_interval: 1s\n');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'output: { type: file, path: out.ndjson }',
        `outputs:\n  - { type: file, path: out.ndjson }\n  - { type: http, name: siem, url: "http://127.0.0.1:${port}/in", retry: { max_attempts: 100, base_delay: 1s, max_delay: 1s } }`,
      ),
    );
    const run = await startCollect(config);
    const ready = () => getJson(`${run.url}/ready`);
    expect(await waitForAsync(async () => (await ready()).status === 200, 60_000)).toBe(true);

    await new Promise((r) => http.close(r));
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.checks.find((c) => c.name === 'output:siem')).toMatchObject({ ok: false, detail: expect.stringMatching(/ECONNREFUSED/) });
    expect(down.body.checks.find((c) => c.name === 'output:file')).toMatchObject({ ok: true });
    expect((await getJson(`${run.url}/health`)).status).toBe(200);

    http = receiver();
    servers.push(http);
    await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
    const back = await ready();
    expect(back.status).toBe(200);
    expect(back.body.status).toBe('ok');

    run.proc.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});

async function waitForAsync(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(250);
  }
  return false;
}
