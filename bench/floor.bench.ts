// Item 2: the floor. The same record bytes the collector wrote (the simulator's records), read from
// a file and only JSON.parse'd + JSON.stringify'd per record, then appended to a file in 1 MiB
// batches, in one process. The collector's figures are also given as a ratio to this.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FloorChildResult } from './children/floor-child.js';
import { round } from './e2e.bench.js';
import { runChild } from './lib/child.js';
import { collectorPass } from './lib/collector-run.js';
import type { BenchContext, CaseResult } from './lib/context.js';
import { load } from './lib/machine.js';

export async function benchFloor(ctx: BenchContext): Promise<CaseResult> {
  if (ctx.corpus === undefined) {
    // Run alone (--only floor): produce the corpus with an unmeasured collector pass.
    const total = ctx.quick ? 100_000 : 1_000_000;
    ctx.log(`floor: preparing the corpus (${total.toLocaleString('en')} records, not measured)`);
    const pass = await collectorPass(
      ctx,
      'floor-corpus',
      { tenants: 1, blobsPerContentType: total / 1000 / 5, recordsPerBlob: 1000, recordSizeTarget: 1024, spanMs: 6 * 3600_000 },
      { initialInterval: '7h' },
      { keepOutput: true, profile: false },
    );
    ctx.corpus = { file: pass.outputFile, records: pass.result.records };
  }
  const before = load();
  ctx.log(`floor: JSON.parse + JSON.stringify of ${ctx.corpus.records.toLocaleString('en')} records`);
  const target = join(ctx.tmp, 'floor-out.ndjson');
  const run = await runChild<FloorChildResult>({
    script: ctx.children['floor-child'],
    args: [ctx.corpus.file, target],
    nodeFlags: ctx.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.profileDir, 'floor')}`] : [],
    timeoutMs: ctx.childTimeoutMs,
    workDir: ctx.tmp,
  });
  rmSync(target, { force: true });
  const r = run.result;
  if (r === undefined) throw new Error(`floor child failed (exit ${run.exitCode ?? run.signal ?? '?'}): ${run.stderrTail}`);
  const rps = r.records / run.wallSeconds;
  const cpuPerM = r.usage.cpuSeconds / (r.records / 1e6);
  ctx.floor = { recordsPerSecond: rps, cpuSecondsPerMillion: cpuPerM };
  return {
    name: 'floor',
    title: 'Floor: JSON.parse + JSON.stringify per record, same bytes, one process',
    metrics: {
      records: r.records,
      wallSeconds: round(run.wallSeconds, 2),
      runSeconds: round(r.runSeconds, 2),
      recordsPerSecond: Math.round(rps),
      mibPerSecond: round(r.bytesIn / 2 ** 20 / run.wallSeconds, 1),
      cpuSecondsPerMillion: round(cpuPerM, 2),
      cpuUtilisation: round(r.usage.cpuSeconds / run.wallSeconds, 2),
      peakRssMiB: Math.max(r.usage.peakRssMiB, run.polledPeakRssMiB),
    },
    targets: [],
    load: { before, after: load() },
    at: new Date().toISOString(),
  };
}
