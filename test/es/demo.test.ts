// `demo --es-url`: the demo's Elasticsearch step against the test node (package installed by the
// global setup). The printed "documents vs unique Ids" must be equal and match what ES itself holds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..');
const tsx = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function runDemo(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', tsx, join(repo, 'src', 'cli', 'main.ts'), 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('demo --es-url', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o365-demo-es-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the simulator data through our pipeline and reports documents == unique Ids', async () => {
    const esUrl = inject('esUrl');
    const r = await runDemo(['--es-url', esUrl, '--tenants', '1', '--blobs', '3', '--seed', '11'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = /Documents in logs-o365\.audit-default for this run's Ids: (\d+); unique Ids delivered: (\d+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [printedDocs, printedIds] = [Number(m![1]), Number(m![2])];
    expect(printedIds).toBeGreaterThan(0);
    expect(printedDocs).toBe(printedIds);

    // What ES holds for the Ids the demo's second run delivered (its file output beside the bulk one).
    const ids = readFileSync(join(dir, 'demo-output', 'o365-elasticsearch.ndjson'), 'utf8')
      .split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Id: string }).Id);
    expect(new Set(ids).size).toBe(printedIds);
    await fetch(`${esUrl}/logs-o365.audit-default/_refresh`, { method: 'POST' });
    const res = await fetch(`${esUrl}/logs-o365.audit-default/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 0, track_total_hits: true, query: { ids: { values: ids } }, aggs: { codes: { terms: { field: 'event.code', size: 100 } } } }),
    });
    const body = (await res.json()) as { hits: { total: { value: number } }; aggregations: { codes: { buckets: Array<{ key: string; doc_count: number }> } } };
    expect(body.hits.total.value).toBe(printedIds);
    // Each event.code count the demo printed is what ES aggregates (the pipeline ran: event.code set).
    expect(body.aggregations.codes.buckets.length).toBeGreaterThan(0);
    for (const b of body.aggregations.codes.buckets) expect(r.stdout).toMatch(new RegExp(`\\n +${b.doc_count} {2}${b.key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
    expect(r.stdout).toMatch(/event\.provider +"/);
    expect(r.stdout).toContain(`curl '${esUrl}/logs-o365.audit-default/_search`);
  }, 300_000);
});
