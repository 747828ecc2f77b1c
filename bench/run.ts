// `npm run bench [-- --quick] [-- --only e2e-1000,floor] [-- --profile]`: runs the end-to-end
// benches, prints the table, writes bench/results/latest.json (quick runs: quick.json) and
// regenerates docs/benchmarks.md from it. Benchmarks report numbers; nothing here passes or fails.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchEndToEnd, round } from './e2e.bench.js';
import { benchFloor } from './floor.bench.js';
import { benchHugeBlob } from './huge-blob.bench.js';
import { benchIdIndex } from './id-index.bench.js';
import { benchPipeline, benchPipelineOs3 } from './pipeline.bench.js';
import { benchTenants } from './tenants.bench.js';
import { benchDir, buildDir, bundleChildren, repoRoot } from './lib/bundle.js';
import type { BenchContext, CaseResult } from './lib/context.js';
import { load, machineInfo, type MachineInfo } from './lib/machine.js';
import { renderReport } from './lib/report.js';
import { textTable } from './lib/table.js';

const CASES: Record<string, (ctx: BenchContext) => Promise<CaseResult>> = {
  'e2e-1000': (ctx) => benchEndToEnd(ctx, 1000),
  floor: benchFloor,
  'e2e-10000': (ctx) => benchEndToEnd(ctx, 10_000),
  'huge-blob': benchHugeBlob,
  tenants: benchTenants,
  pipeline: benchPipeline,
  'pipeline-os3': benchPipelineOs3,
  'id-index-1m': (ctx) => benchIdIndex(ctx, 1_000_000),
  'id-index-10m': (ctx) => benchIdIndex(ctx, 10_000_000),
};

export interface BenchResults {
  machine: MachineInfo;
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  cases: Record<string, CaseResult>;
}

const USAGE = `usage: npm run bench -- [--quick] [--only ${Object.keys(CASES).join(',')}] [--profile] [--no-write] [--timeout-minutes N] [--report-only]`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'timeout-minutes': { type: 'string', default: '6' },
    'report-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values['report-only']) {
  // Regenerates docs/benchmarks.md from the last results (after editing bench/analysis.md).
  const last = JSON.parse(readFileSync(join(benchDir, 'results', 'latest.json'), 'utf8')) as BenchResults;
  writeFileSync(join(repoRoot, 'docs', 'benchmarks.md'), renderReport(last));
  process.stdout.write(`${textTable(Object.values(last.cases))}\n`);
  process.exit(0);
}
/** Run only when named in --only: too long (or too much disk) for every full run. */
const OPT_IN = new Set(['id-index-10m']);
const selected = values.only === undefined ? Object.keys(CASES).filter((k) => !OPT_IN.has(k)) : values.only.split(',').map((s) => s.trim());
for (const s of selected) {
  if (!(s in CASES)) {
    process.stderr.write(`unknown case "${s}"\n${USAGE}\n`);
    process.exit(2);
  }
}

const log = (line: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${load()[0]}] ${line}\n`);
const machine = machineInfo();
const startedAt = new Date().toISOString();
log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load ${machine.loadAtStart.join(' ')}`);
const tmp = mkdtempSync(join(tmpdir(), 'o365-bench-'));
const ctx: BenchContext = {
  quick: values.quick,
  profile: values.profile,
  childTimeoutMs: Number(values['timeout-minutes']) * 60_000,
  tmp,
  profileDir: join(buildDir, 'profiles'),
  children: await bundleChildren(),
  log,
};

const results: CaseResult[] = [];
try {
  for (const name of Object.keys(CASES)) {
    if (!selected.includes(name)) continue;
    const fn = CASES[name] as (c: BenchContext) => Promise<CaseResult>;
    try {
      const r = await fn(ctx);
      results.push(r);
      log(`${name}: ${JSON.stringify(r.metrics)}${r.notes !== undefined ? ` notes: ${r.notes.join(' | ')}` : ''}`);
    } catch (err) {
      log(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      results.push({ name, title: name, notRun: `failed: ${err instanceof Error ? err.message.slice(0, 2000) : String(err)}`, metrics: {}, targets: [], load: { before: [], after: load() }, at: new Date().toISOString() });
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const file = join(benchDir, 'results', values.quick ? 'quick.json' : 'latest.json');
// --only refreshes some rows of the last results; the others keep their own time and load.
const previous: Partial<BenchResults> = existsSync(file) && values.only !== undefined ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults) : {};
const cases: Record<string, CaseResult> = { ...(previous.cases ?? {}) };
for (const r of results) cases[r.name] = r;
const ordered = Object.keys(CASES).flatMap((k) => (cases[k] === undefined ? [] : [cases[k]]));
addFloorRatios(ordered);

const all: BenchResults = {
  machine,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  quick: values.quick,
  startedAt,
  finishedAt: new Date().toISOString(),
  cases: Object.fromEntries(ordered.map((r) => [r.name, r])),
};
process.stdout.write(`\n${textTable(ordered)}\n\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load at start ${machine.loadAtStart.join(' ')}, now ${load().join(' ')}\n`);
if (!values['no-write']) {
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  process.stdout.write(`results: ${file}\n`);
  if (!values.quick) {
    const doc = join(repoRoot, 'docs', 'benchmarks.md');
    writeFileSync(doc, renderReport(all));
    process.stdout.write(`report:  ${doc}\n`);
  }
}

/** The collector's figures as multiples of the floor measured in the same results. */
function addFloorRatios(list: CaseResult[]): void {
  const floor = list.find((r) => r.name === 'floor' && r.notRun === undefined);
  const fr = floor?.metrics['recordsPerSecond'];
  for (const r of list) {
    if (!r.name.startsWith('e2e-') || r.notRun !== undefined) continue;
    r.targets = r.targets.filter((t) => !t.text.includes('floor'));
    const rps = r.metrics['recordsPerSecond'];
    if (typeof fr !== 'number' || typeof rps !== 'number') {
      r.targets.push({ text: '>= 0.5x the floor', holds: undefined });
      continue;
    }
    r.metrics['ratioToFloor'] = round(rps / fr, 2);
    const fc = floor?.metrics['cpuSecondsPerMillion'];
    const cc = r.metrics['cpuSecondsPerMillion'];
    if (typeof fc === 'number' && typeof cc === 'number') r.metrics['cpuRatioToFloor'] = round(cc / fc, 2);
    r.targets.push({ text: '>= 0.5x the floor', holds: rps / fr >= 0.5 });
  }
}
