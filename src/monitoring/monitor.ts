// Wires monitoring around one collector run: wraps the outputs (InstrumentedOutput), builds the
// metrics registry and serves /metrics, /health and /ready while the run lasts.

import type { Collector } from '../collector/collector.js';
import type { Output } from '../outputs/types.js';
import { InstrumentedOutput } from './instrumented-output.js';
import type { ListenAddress } from './listen.js';
import { createMetricsRegistry } from './metrics.js';
import { liveness, readiness, type ReadinessSource } from './readiness.js';
import { startMonitoringServer, type MonitoringServer } from './server.js';

export interface MonitoringOptions {
  listen: ListenAddress;
  version: string;
  /** Health events written so far, by action (metrics). */
  healthEvents?: () => Record<string, number>;
}

/** Wraps every output so the monitor can count and probe it; pass the result to the collector. */
export function instrumentOutputs(outputs: readonly Output[]): InstrumentedOutput[] {
  return outputs.map((o) => (o instanceof InstrumentedOutput ? o : new InstrumentedOutput(o)));
}

export interface Monitor {
  url: string;
  close(): Promise<void>;
}

export async function startMonitor(collector: Collector, outputs: readonly InstrumentedOutput[], o: MonitoringOptions): Promise<Monitor> {
  let ended = false;
  collector.on('stopped', () => {
    ended = true;
  });
  const src: ReadinessSource = { status: () => collector.status(), outputs, ended: () => ended };
  const registry = createMetricsRegistry(
    {
      status: () => collector.status(),
      outputs: () => outputs.map((x) => x.figures()),
      ...(o.healthEvents ? { healthEvents: o.healthEvents } : {}),
    },
    { version: o.version },
  );
  const server: MonitoringServer = await startMonitoringServer({ registry, live: () => liveness(src), ready: () => readiness(src) }, o.listen);
  return { url: server.url, close: () => server.close() };
}
