// Extra steps `demo` runs after collecting (e.g. indexing into an embedded Elasticsearch when Java
// and the setup command are available). An explicit list, so importing the CLI has no side effects:
// the lead adds an entry here once the embedded engine exists.

import { spawnSync } from 'node:child_process';
import type { Simulator } from '../simulator/types.js';
import type { AppConfig } from '../config/types.js';

export interface DemoContext {
  /** The demo folder (./demo-output). */
  dir: string;
  /** The NDJSON file the collector wrote. */
  ndjsonPath: string;
  configPath: string;
  config: AppConfig;
  simulator: Simulator;
  /** Writes a line of the demo's report (stderr). */
  print(line: string): void;
}

export interface DemoStep {
  name: string;
  /** Whether the step can run here (e.g. Java present); a skipped step prints why. */
  available(ctx: DemoContext): Promise<{ ok: true } | { ok: false; reason: string }>;
  run(ctx: DemoContext): Promise<void>;
}

/** Java on the PATH (an embedded Elasticsearch needs it). */
export function javaAvailable(): boolean {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

// HOOK: append e.g. an "index into embedded Elasticsearch" step (via `setup` + the engine).
export const demoSteps: DemoStep[] = [];
