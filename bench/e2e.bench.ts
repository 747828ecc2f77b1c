// Item 1: the collector end to end, simulator on loopback HTTPS -> collector child -> file output.
// One tenant, five content types, ~1.2 KB records (padded to at least 1 KiB), in blobs of N records.

import { load } from './lib/machine.js';
import { collectorPass } from './lib/collector-run.js';
import type { BenchContext, CaseResult } from './lib/context.js';

export async function benchEndToEnd(ctx: BenchContext, perBlob: number): Promise<CaseResult> {
  const before = load();
  const total = ctx.quick ? 100_000 : 1_000_000;
  const types = 5;
  const blobs = Math.max(1, Math.round(total / perBlob / types));
  const expected = blobs * perBlob * types;
  const name = `e2e-${perBlob}`;
  ctx.log(`${name}: ${expected.toLocaleString('en')} records in blobs of ${perBlob.toLocaleString('en')}`);
  // The floor reads the same bytes: the output of the run with blobs of 1,000.
  const keep = perBlob === 1000;
  const pass = await collectorPass(
    ctx,
    name,
    { tenants: 1, blobsPerContentType: blobs, recordsPerBlob: perBlob, recordSizeTarget: 1024, spanMs: 6 * 3600_000 },
    { initialInterval: '7h' },
    { keepOutput: keep },
  );
  const { run, result } = pass;
  if (keep) ctx.corpus = { file: pass.outputFile, records: result.records };
  const rps = result.records / run.wallSeconds;
  const cpuPerM = (run.usage?.cpuSeconds ?? NaN) / (result.records / 1e6);
  const peak = Math.max(run.usage?.peakRssMiB ?? 0, run.polledPeakRssMiB);
  const mb = pass.simStats.bytesServed / 2 ** 20;
  const out: CaseResult = {
    name,
    title: `Collector end to end, blobs of ${perBlob.toLocaleString('en')}`,
    metrics: {
      records: result.records,
      expectedRecords: expected,
      complete: result.records + result.duplicatesDropped === expected && result.failedStreams === 0,
      duplicatesDropped: result.duplicatesDropped,
      wallSeconds: round(run.wallSeconds, 2),
      runSeconds: round(result.runSeconds, 2),
      recordsPerSecond: Math.round(rps),
      mibPerSecond: round(mb / run.wallSeconds, 1),
      cpuSecondsPerMillion: round(cpuPerM, 2),
      cpuUtilisation: round((run.usage?.cpuSeconds ?? 0) / run.wallSeconds, 2),
      peakRssMiB: peak,
      heapUsedAtPeakMiB: result.memoryAtPeak['heapUsed'] ?? null,
      externalAtPeakMiB: result.memoryAtPeak['external'] ?? null,
      bytesServedMiB: round(mb, 1),
      simulatorCpuSeconds: round(pass.simCpuSeconds, 2),
      retries: result.retries,
    },
    targets: [{ text: '>= 50,000 records/s', holds: rps >= 50_000 }],
    load: { before, after: load() },
    at: new Date().toISOString(),
  };
  if (pass.profile) out.profile = pass.profile;
  if (result.streamErrors.length > 0) out.notes = result.streamErrors.map((e) => `stream error: ${e}`);
  return out;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
