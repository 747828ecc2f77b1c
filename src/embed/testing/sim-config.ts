// A config object for the embedding API pointing at a running simulator (tests and the example).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../simulator/types.js';

/** Writes the simulator's CA into `dir` and returns a config object whose relative paths resolve against `dir`. */
export function simulatorConfig(sim: Simulator, dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  writeFileSync(join(dir, 'ca.pem'), sim.caPem);
  return {
    tenants: sim.tenants.map((t, i) => ({
      tenant_id: t.tenantId,
      client_id: t.clientId,
      client_secret: t.clientSecret,
      login_url: sim.loginUrl,
      api_url: sim.apiUrl,
      label: `t${i}`,
    })),
    ca_file: 'ca.pem',
    state_dir: 'state',
    initial_interval: '1d',
    commit_interval: '1s',
    retry: { max_attempts: 6, base_delay: '1s', max_delay: '2s' },
    log_level: 'warn',
    ...extra,
  };
}

/** Every Id the simulator can deliver (all tenants and content types). */
export function simulatorIds(sim: Simulator): Set<string> {
  const all = new Set<string>();
  for (const t of sim.tenants) for (const ct of t.contentTypes) for (const id of sim.groundTruth(t.tenantId, ct)) all.add(id);
  return all;
}
