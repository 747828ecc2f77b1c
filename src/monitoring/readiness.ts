// Liveness and readiness, as Kubernetes probes read them.
// - live (`/health`): the process answers and its collector run has not ended. Failing it means
//   "restart me": a run that stopped for good (fatal error, shutdown) or a blocked event loop (the
//   probe then times out). A failing stream or output is NOT a liveness failure: restarting would not
//   fix a missing permission or a cluster that is down, and the collector retries on its own.
// - ready (`/ready`): config loaded, state open (the collector is running) and every output
//   reachable now (its probe; outputs without one count as reachable). Failing it means "not doing
//   its job right now": alert on it, do not restart for it.

import type { CollectorStatus } from '../collector/types.js';
import type { InstrumentedOutput } from './instrumented-output.js';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ProbeResult {
  ok: boolean;
  checks: Check[];
}

export interface ReadinessSource {
  status(): CollectorStatus | undefined;
  outputs: readonly InstrumentedOutput[];
  /** Set once the collector's run has ended (for good). */
  ended(): boolean;
}

export const PROBE_TIMEOUT_MS = 5000;

export function liveness(src: ReadinessSource): ProbeResult {
  const ended = src.ended();
  return { ok: !ended, checks: [{ name: 'collector', ok: !ended, ...(ended ? { detail: 'the collector run has ended' } : {}) }] };
}

export async function readiness(src: ReadinessSource, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const running = src.status()?.running === true;
  const checks: Check[] = [
    { name: 'config', ok: true },
    { name: 'state', ok: running, ...(running ? {} : { detail: src.ended() ? 'the run has ended' : 'state not open yet (starting)' }) },
  ];
  const signal = AbortSignal.timeout(timeoutMs);
  const outputs = await Promise.all(
    src.outputs.map(async (o): Promise<Check> => {
      try {
        await o.probe(signal);
        return { name: `output:${o.name}`, ok: true };
      } catch (err) {
        return { name: `output:${o.name}`, ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  checks.push(...outputs);
  return { ok: checks.every((c) => c.ok), checks };
}
