// The embedding API as a user gets it: the packed tarball (`npm pack`) installed with npm into a
// scratch folder (dependencies from the registry, through the npm cache), then used from ESM and
// CommonJS processes against the simulator the package exports. Packed and installed once per run.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulatorConfig, simulatorIds } from '../../src/embed/testing/sim-config.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/types.js';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(REPO, 'test/package/fixtures');

let scratch = '';
let startSimulator: (o?: SimulatorOptions) => Promise<Simulator>;
let sim: Simulator | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim?.close();
  sim = undefined;
});

/** Newest modification time of the files the build reads. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return Math.min(statSync(join(REPO, 'dist/index.d.ts')).mtimeMs, statSync(join(REPO, 'dist/index.cjs')).mtimeMs);
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  // `npm test` builds first (pretest); a run of this file alone builds only when dist is stale.
  const sources = Math.max(newestSource(join(REPO, 'src')), statSync(join(REPO, 'package.json')).mtimeMs, statSync(join(REPO, 'tsup.config.ts')).mtimeMs);
  if (builtAt() < sources) await run('npx', ['tsup'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });

  const work = mkdtempSync(join(tmpdir(), 'o365-pkg-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const tarball = join(work, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  scratch = join(work, 'app');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'embedding-app', version: '1.0.0', private: true }));
  await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: scratch, maxBuffer: 64 * 1024 * 1024 });
  for (const f of ['consumer.mjs', 'consumer.cjs', 'typed-consumer.ts']) copyFileSync(join(FIXTURES, f), join(scratch, f));
  // The simulator comes from the installed package too: it is part of the public API.
  const pkg = (await import(pathToFileURL(join(scratch, 'node_modules/o365-audit/dist/index.js')).href)) as { startSimulator: typeof startSimulator };
  startSimulator = pkg.startSimulator;
}, 900_000);

interface Line {
  batch?: number;
  acked?: boolean;
  ids?: string[];
  meta?: Array<[string, string | undefined, string, string]>;
  checkpoint?: number;
  fetched?: number;
  end?: number | null;
}

interface Child {
  child: ChildProcess;
  lines: Line[];
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, { cwd: scratch, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Line[] = [];
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Line);
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  return { child, lines, stderr: () => err, done };
}

async function setup(o: SimulatorOptions = {}) {
  sim = await startSimulator({ tenants: 2, contentTypes: ['Audit.Exchange', 'Audit.SharePoint'], blobsPerContentType: 8, recordsPerBlob: [20, 40], recordSizeTarget: 300, seed: 5, ...o });
  const dir = mkdtempSync(join(tmpdir(), 'o365-pkg-run-'));
  const configJson = join(dir, 'input.json');
  writeFileSync(configJson, JSON.stringify({ config: simulatorConfig(sim, dir), baseDir: dir }));
  return { sim, dir, configJson, truth: simulatorIds(sim) };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return cond();
}

const batchIds = (lines: Line[], pick: (l: Line) => boolean = () => true) => lines.filter((l) => l.batch !== undefined && pick(l)).flatMap((l) => l.ids!);

describe('the packed package, installed with npm', () => {
  it('ESM: every simulator record comes through the iterator once, with its meta', async () => {
    const { configJson, truth, sim } = await setup();
    const c = startChild(['consumer.mjs'], { CONFIG_JSON: configJson, ONCE: '1', ACK: 'all', BATCH_SIZE: '100' });
    const r = await c.done;
    expect(r.code, c.stderr()).toBe(0);
    const ids = batchIds(c.lines);
    expect(ids.length).toBe(truth.size);
    expect(new Set(ids)).toEqual(truth);
    expect(c.lines.at(-1)).toEqual({ end: truth.size });
    const tenants = new Map(sim.tenants.map((t, i) => [t.tenantId, `t${i}`]));
    for (const l of c.lines.filter((x) => x.batch !== undefined)) {
      const [tenantId, label, contentType, contentId] = l.meta![0]!;
      expect(label).toBe(tenants.get(tenantId));
      expect(['Audit.Exchange', 'Audit.SharePoint']).toContain(contentType);
      expect(contentId).toMatch(/\S/);
    }
  }, 180_000);

  it('CommonJS: collect() with a sink gets every record once', async () => {
    const { configJson, truth } = await setup({ seed: 6 });
    const c = startChild(['consumer.cjs'], { CONFIG_JSON: configJson, BATCH_SIZE: '64' });
    const r = await c.done;
    expect(r.code, c.stderr()).toBe(0);
    const ids = batchIds(c.lines);
    expect(ids.length).toBe(truth.size);
    expect(new Set(ids)).toEqual(truth);
    expect(c.lines.at(-1)).toEqual({ end: truth.size });
  }, 180_000);

  it('kill -9 after some batches were acked and others not: the restart delivers exactly the unacked records', async () => {
    const { configJson, truth } = await setup({ seed: 7 });
    const first = startChild(['consumer.mjs'], { CONFIG_JSON: configJson, ACK: 'first:3', BATCH_SIZE: '40', MAX_UNACKED: '6' });
    const unackedSeen = () => first.lines.filter((l) => l.batch !== undefined && !l.acked).length;
    const ready = await waitFor(() => first.lines.some((l) => l.checkpoint === 3) && unackedSeen() >= 2, 120_000);
    expect(ready, first.stderr()).toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const acked = new Set(batchIds(first.lines, (l) => l.acked === true));
    const heldBack = batchIds(first.lines, (l) => l.acked === false);
    expect(acked.size).toBeGreaterThan(0);
    expect(heldBack.length).toBeGreaterThan(0);

    const second = startChild(['consumer.mjs'], { CONFIG_JSON: configJson, ONCE: '1', ACK: 'all' });
    expect((await second.done).code, second.stderr()).toBe(0);
    const again = batchIds(second.lines);
    expect(again.length).toBe(new Set(again).size); // once each
    expect(again.filter((id) => acked.has(id))).toEqual([]); // nothing acked comes again
    expect(new Set(again)).toEqual(new Set([...truth].filter((id) => !acked.has(id)))); // everything else does
    expect(again).toEqual(expect.arrayContaining(heldBack));
  }, 180_000);

  it('a consumer that never acks blocks at the memory bound instead of buffering', async () => {
    const { configJson, truth } = await setup({ seed: 8, blobsPerContentType: 25 });
    const c = startChild(['consumer.mjs'], { CONFIG_JSON: configJson, ACK: 'none', BATCH_SIZE: '30', MAX_UNACKED: '3' });
    const batches = () => c.lines.filter((l) => l.batch !== undefined).length;
    // It reaches the bound, then stalls there: no batch beyond it, however long we wait.
    expect(await waitFor(() => batches() >= 3, 120_000), c.stderr()).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    const seen = batches();
    const fetched = () => c.lines.filter((l) => l.fetched !== undefined).at(-1)?.fetched ?? 0;
    const atStall = fetched();
    await new Promise((r) => setTimeout(r, 2000));
    expect(fetched()).toBe(atStall); // nothing more is fetched while it waits
    expect(seen).toBe(3); // the bound
    const delivered = batchIds(c.lines).length;
    // Handed out + the open batch: at most batchSize, plus one waiting write per blob in flight (2 tenants x blob_concurrency 4).
    expect(atStall).toBeLessThanOrEqual(delivered + 30 + 8);
    expect(atStall).toBeLessThan(truth.size / 5);
    expect(c.child.exitCode).toBe(null); // still running, waiting
  }, 180_000);

  it('the example shipper forwards every record to an HTTP endpoint, surviving a failed request', async () => {
    const { dir, truth, sim } = await setup({ seed: 9 });
    // The example reads a config file (relative paths against its folder).
    const configFile = join(dir, 'o365-audit.json');
    writeFileSync(configFile, JSON.stringify(simulatorConfig(sim, dir)));
    const received: string[] = [];
    let requests = 0;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        if (++requests === 2) {
          res.writeHead(503).end();
          return;
        }
        for (const line of body.split('\n')) if (line) received.push((JSON.parse(line) as { Id: string }).Id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const c = startChild(['node_modules/o365-audit/examples/embedding/shipper.mjs', configFile], {
        SHIP_URL: `http://127.0.0.1:${port}/ingest`,
        ONCE: '1',
        SHIP_MAX_RECORDS: '300',
        SHIP_LINGER_MS: '200',
      });
      const r = await c.done;
      expect(r.code, c.stderr()).toBe(0);
      expect(requests).toBeGreaterThan(2);
      expect(received.length).toBe(truth.size);
      expect(new Set(received)).toEqual(truth);
    } finally {
      server.close();
    }
  }, 180_000);

  it('the types ship in the package: a strict TypeScript consumer type-checks against them', async () => {
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'], typeRoots: [join(REPO, 'node_modules/@types')] },
        files: ['typed-consumer.ts'],
      }),
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).then(
      () => ({ ok: true, out: '' }),
      (e: { stdout?: string }) => ({ ok: false, out: e.stdout ?? String(e) }),
    );
    expect(r.out).toBe('');
    expect(r.ok).toBe(true);
  }, 180_000);
});
