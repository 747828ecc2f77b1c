// The simulator side of an end-to-end bench: starts the HTTPS API double in this (parent) process,
// so the measured child's CPU and memory are the collector's alone, and writes the collector config
// (JSON) and CA file the child runs with.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export interface SimRun {
  sim: Simulator;
  configFile: string;
  outputFile: string;
  /** Simulator CPU seconds (this process) since start, for "was the simulator the bottleneck?". */
  cpuSeconds(): number;
}

export interface CollectorConfigExtras {
  /** How far back the first run reaches; must cover the simulator's span. */
  initialInterval: string;
  window?: string;
  blobConcurrency?: number;
}

export async function startSimRun(dir: string, simOptions: SimulatorOptions, extras: CollectorConfigExtras): Promise<SimRun> {
  mkdirSync(dir, { recursive: true });
  const sim = await startSimulator(simOptions);
  const caFile = join(dir, 'simulator-ca.pem');
  writeFileSync(caFile, sim.caPem);
  const outputFile = join(dir, 'o365.ndjson');
  // Secrets inline: throwaway simulator credentials, in a 0600 file in a temp folder.
  const config = {
    tenants: sim.tenants.map((t) => ({
      tenant_id: t.tenantId,
      client_id: t.clientId,
      client_secret: t.clientSecret,
      login_url: sim.loginUrl,
      api_url: sim.apiUrl,
      content_types: t.contentTypes,
    })),
    ca_file: caFile,
    state_dir: join(dir, 'state'),
    output: { type: 'file', path: outputFile },
    initial_interval: extras.initialInterval,
    ...(extras.window !== undefined ? { window: extras.window } : {}),
    ...(extras.blobConcurrency !== undefined ? { blob_concurrency: extras.blobConcurrency } : {}),
    log_level: 'warn',
  };
  const configFile = join(dir, 'collector.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const c0 = process.cpuUsage();
  return {
    sim,
    configFile,
    outputFile,
    cpuSeconds: () => {
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1e6;
    },
  };
}
