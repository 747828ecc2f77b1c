// The record-Id index (src/state/id-index.ts) with 1M and 10M Ids held: the collector's cost per
// record (lookup + insert through commits), lookups of repeats, disk bytes per Id, expiry, and the
// child's peak RSS and heap (the index must stay within 64 MiB of heap; its pages live in the
// OS page cache, which RSS counts once touched).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IdIndexChildResult } from './children/id-index-child.js';
import { round } from './e2e.bench.js';
import { runChild } from './lib/child.js';
import type { BenchContext, CaseResult } from './lib/context.js';
import { load } from './lib/machine.js';

export async function benchIdIndex(ctx: BenchContext, held: number): Promise<CaseResult> {
  const before = load();
  const n = ctx.quick ? held / 10 : held;
  const name = `id-index-${held >= 1e7 ? '10m' : '1m'}`;
  ctx.log(`${name}: filling an index with ${n.toLocaleString('en')} Ids`);
  const dir = join(ctx.tmp, name);
  const run = await runChild<IdIndexChildResult>({
    script: ctx.children['id-index-child'],
    args: [dir, String(n)],
    nodeFlags: ['--expose-gc', ...(ctx.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.profileDir, name)}`] : [])],
    timeoutMs: Math.max(ctx.childTimeoutMs, 30 * 60_000),
    workDir: ctx.tmp,
  });
  rmSync(dir, { recursive: true, force: true });
  const r = run.result;
  if (r === undefined) throw new Error(`id-index child failed (exit ${run.exitCode ?? run.signal ?? '?'}): ${run.stderrTail}`);
  const peakRss = Math.max(r.usage.peakRssMiB, run.polledPeakRssMiB);
  return {
    name,
    title: `Record-Id index, ${n.toLocaleString('en')} Ids held`,
    metrics: {
      records: r.held,
      wallSeconds: round(run.wallSeconds, 1),
      fillSeconds: round(r.fillSeconds, 1),
      fillIdsPerSecond: Math.round(r.fillIdsPerSecond),
      checkAndInsertMicrosPerRecord: round(r.checkAndInsertMicros, 2),
      missLookupMicros: round(r.missLookupMicros, 2),
      hitLookupMicros: round(r.hitLookupMicros, 2),
      pruneMicrosPerId: round(r.pruneMicrosPerId, 2),
      prunedIds: r.prunedIds,
      usedBytesPerId: round(r.usedBytesPerId, 1),
      fileBytesPerId: round(r.fileBytesPerId, 1),
      fileMiB: Math.round(r.fileMiB),
      peakRssMiB: peakRss,
      heapUsedMiB: round(r.heapUsedMiB, 1),
      peakHeapUsedMiB: round(r.peakHeapUsedMiB, 1),
      externalMiB: round(r.externalMiB, 1),
    },
    targets: [{ text: 'heap <= 64 MiB', holds: r.peakHeapUsedMiB <= 64 }],
    notes: [`RSS counts the index's memory-mapped pages once touched (OS page cache, shared and reclaimable; ${Math.round(r.fileMiB)} MiB file), not heap`],
    load: { before, after: load() },
    at: new Date().toISOString(),
  };
}
