// Bench child: one `--once` pass of the collector for a config file, on the same path as
// `o365-audit collect --config FILE --once` (loadContext -> buildCollectorOptions -> createCollector),
// plus per-stream completion times for the fairness figure. Writes its result JSON to $BENCH_RESULT.

import { writeFileSync } from 'node:fs';
import { loadContext } from '../../src/cli/context.js';
import { createCollector } from '../../src/collector/index.js';
import { buildCollectorOptions } from '../../src/config/build.js';
import { toCollectorLogger } from '../../src/logging/logger.js';
import { ownUsage, type ChildUsage } from '../lib/child.js';

export interface CollectorChildResult {
  records: number;
  blobs: number;
  failedStreams: number;
  /** Up to 5 distinct errors of failed streams (code + message), for the report. */
  streamErrors: string[];
  duplicatesDropped: number;
  retries: number;
  /** collector.run() alone, seconds. */
  runSeconds: number;
  /** CPU spent before run() (module load, config, clients), seconds. */
  startupCpuSeconds: number;
  /** tenantId -> seconds from run start to its last stream's last blob. */
  tenantDoneSeconds: Record<string, number>;
  usage: ChildUsage;
  /** process.memoryUsage() (MiB) at the highest RSS sampled every 100 ms: where the peak lives. */
  memoryAtPeak: Record<string, number>;
}

const configFile = process.argv[2];
const out = process.env['BENCH_RESULT'];
if (configFile === undefined || out === undefined) {
  process.stderr.write('usage: BENCH_RESULT=out.json collector-child CONFIG\n');
  process.exit(2);
}

const ctx = await loadContext(configFile);
const runtime = buildCollectorOptions(ctx.config, { logger: toCollectorLogger(ctx.log) });
const collector = createCollector(runtime.options);
const lastBlob = new Map<string, number>();
let memoryAtPeak: Record<string, number> = {};
let peakRss = 0;
const sampler = setInterval(() => {
  // rss() alone is cheap; the full breakdown (it walks the heap spaces) only at a new high.
  const rss = process.memoryUsage.rss();
  if (rss <= peakRss * 1.02) return;
  peakRss = rss;
  memoryAtPeak = Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 2 ** 20)]));
}, 100);
sampler.unref();
const startCpu = ownUsage().cpuSeconds;
const t0 = performance.now();
collector.on('progress', (s) => lastBlob.set(s.tenantId, performance.now() - t0));
const summary = await collector.run({ once: true });
const runSeconds = (performance.now() - t0) / 1000;
await runtime.close();

const tenantDoneSeconds: Record<string, number> = {};
for (const [t, ms] of lastBlob) tenantDoneSeconds[t] = Math.round(ms) / 1000;
const result: CollectorChildResult = {
  records: summary.records,
  blobs: summary.blobs,
  failedStreams: summary.failedStreams,
  streamErrors: [...new Set(summary.streams.flatMap((s) => (s.error === undefined ? [] : [`${s.error.code}: ${s.error.message}`])))].slice(0, 5),
  duplicatesDropped: summary.duplicatesDropped,
  retries: summary.retries,
  runSeconds,
  startupCpuSeconds: startCpu,
  tenantDoneSeconds,
  usage: ownUsage(),
  memoryAtPeak,
};
writeFileSync(out, JSON.stringify(result));
// Keep-alive sockets must not hold the process open.
process.exit(0);
