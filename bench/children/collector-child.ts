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
  retries: number;
  /** collector.run() alone, seconds. */
  runSeconds: number;
  /** CPU spent before run() (module load, config, clients), seconds. */
  startupCpuSeconds: number;
  /** tenantId -> seconds from run start to its last stream's last blob. */
  tenantDoneSeconds: Record<string, number>;
  usage: ChildUsage;
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
  retries: summary.retries,
  runSeconds,
  startupCpuSeconds: startCpu,
  tenantDoneSeconds,
  usage: ownUsage(),
};
writeFileSync(out, JSON.stringify(result));
// Keep-alive sockets must not hold the process open.
process.exit(summary.failedStreams > 0 ? 1 : 0);
