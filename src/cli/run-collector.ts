// Runs the collector for a loaded config: builds the runtime (API clients, outputs, state), shows
// progress or stays quiet, and returns the summary. Shared by `collect` and `demo`.

import type { Logger as PinoLogger } from 'pino';
import pkg from '../../package.json' with { type: 'json' };
import { createCollector } from '../collector/index.js';
import type { RunSummary } from '../collector/types.js';
import { buildCollectorOptions } from '../config/build.js';
import type { AppConfig } from '../config/types.js';
import { toCollectorLogger } from '../logging/logger.js';
import { ConfigError } from '../errors.js';
import { HealthEvents } from '../monitoring/health-events.js';
import { instrumentOutputs, startMonitor, type Monitor } from '../monitoring/monitor.js';
import { ProgressView } from './progress.js';
import { summaryFields } from './summary.js';

export interface RunCollectorOptions {
  once: boolean;
  signal: AbortSignal;
  log: PinoLogger;
  /** Draw per-stream progress bars on stderr. */
  progress?: boolean;
}

export interface RunResult {
  summary: RunSummary;
  /** The run was stopped by the signal (or the stdout reader went away), not by reaching the end. */
  interrupted: boolean;
}

export async function runCollector(config: AppConfig, o: RunCollectorOptions): Promise<RunResult> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (o.signal.aborted) abort();
  o.signal.addEventListener('abort', abort, { once: true });
  let readerGone = false;
  const logger = toCollectorLogger(o.log);
  const runtime = buildCollectorOptions(config, {
    logger,
    outputContext: {
      onReaderGone: () => {
        readerGone = true;
        abort();
      },
    },
  });
  // Monitoring wraps the outputs before the collector sees them, so everything it counts is real.
  const outputs = config.metrics !== undefined ? instrumentOutputs(runtime.options.outputs) : undefined;
  const collector = createCollector(outputs ? { ...runtime.options, outputs } : runtime.options);
  let health: HealthEvents | undefined;
  if (config.healthEvents !== undefined) {
    const names = config.healthEvents.outputs;
    const targets = (outputs ?? runtime.options.outputs).filter((x) => names === undefined || names.includes(x.name));
    health = new HealthEvents(collector, { outputs: targets, version: pkg.version, onWriteError: (err) => o.log.warn({ err }, 'a health event could not be written') });
  }
  let monitor: Monitor | undefined;
  if (config.metrics !== undefined && outputs) {
    try {
      const counts = health ? () => health.counts() : undefined;
      monitor = await startMonitor(collector, outputs, { listen: config.metrics, version: pkg.version, ...(counts ? { healthEvents: counts } : {}) });
    } catch (err) {
      await runtime.close();
      const e = err as NodeJS.ErrnoException;
      throw new ConfigError(`metrics.listen: cannot listen on ${config.metrics.host}:${config.metrics.port} (${e.code ?? e.message})`, 'metrics.listen');
    }
    o.log.info({ url: monitor.url }, 'metrics and probes: GET /metrics, /health, /ready');
  }
  const view = o.progress ? new ProgressView() : undefined;
  if (view) {
    collector.on('progress', (s) => view.update(s));
    collector.on('streamError', (s) => view.update(s));
  }
  const streams = config.tenants.reduce((n, t) => n + t.contentTypes.length, 0);
  o.log.info({ tenants: config.tenants.length, streams, once: o.once, outputs: config.outputs.map((x) => x.name ?? x.type), stateDir: config.stateDir }, 'collector starting');
  try {
    const summary = await collector.run({ once: o.once, signal: controller.signal });
    const interrupted = o.signal.aborted || readerGone;
    o.log.info({ ...summaryFields(summary), interrupted }, 'run summary');
    return { summary, interrupted };
  } finally {
    view?.stop();
    o.signal.removeEventListener('abort', abort);
    await monitor?.close();
    await runtime.close();
  }
}
