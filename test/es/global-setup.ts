// vitest globalSetup of the `es` project: starts every engine of the matrix
// (src/search-engine/matrix.ts) once per run, side by side, shared by all test files; an engine's
// URL variable (ES_URL, OPENSEARCH_URL, ES8_URL, ES9_URL, OPENSEARCH3_URL) points tests at an
// existing cluster instead. Runs `setup` against each so tests find the package installed, provides
// the URLs (`inject('engineUrls')`, and `esUrl` for ES 7.10) and stops the nodes it started on
// teardown.
import type { TestProject } from 'vitest/node';
import { startEngine, type RunningEngine } from '../../src/search-engine/engine-runner.js';
import { ENGINE_MATRIX, type EngineId, type EngineSpec } from '../../src/search-engine/matrix.js';
import { setup as installPackage, type SetupResult } from '../../src/integration/setup/setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    esUrl: string;
    /** URL of every engine of the matrix, by id. */
    engineUrls: Record<EngineId, string>;
    /** Whether the Elasticsearch 7.10 node has the geoip processor (embedded: yes, with test databases). */
    esGeoip: boolean;
  }
}

async function nodeFor(spec: EngineSpec): Promise<{ spec: EngineSpec; url: string; engine?: RunningEngine }> {
  const envUrl = process.env[spec.urlEnv];
  if (envUrl !== undefined && envUrl !== '') return { spec, url: envUrl.replace(/\/+$/, '') };
  const engine = await startEngine({ engine: spec.id, log: (line) => process.stderr.write(`[es-global-setup] ${line}\n`) });
  return { spec, url: engine.url, engine };
}

function summary(r: SetupResult): string {
  const changed = r.assets.filter((a) => a.status !== 'up to date').length;
  const missing = r.notInstalled.length === 0 ? '' : `; not installed here: ${r.notInstalled.map((m) => m.kind).join(', ')}`;
  return `${r.cluster.distribution} ${r.cluster.version}: ${changed} asset(s) installed/updated, ${r.assets.length - changed} up to date${missing}`;
}

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const results = await Promise.allSettled(ENGINE_MATRIX.map(nodeFor));
  const engines = results.flatMap((r) => (r.status === 'fulfilled' && r.value.engine !== undefined ? [r.value.engine] : []));
  const teardown = async (): Promise<void> => {
    await Promise.all(engines.map((e) => e.stop()));
  };
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${ENGINE_MATRIX[i]!.id} (or set ${ENGINE_MATRIX[i]!.urlEnv}): ${(r.reason as Error).message}`] : []));
  if (failures.length > 0) {
    await teardown();
    throw new Error(`es tests: could not get a search node:\n${failures.join('\n\n')}`);
  }
  const nodes = results.map((r) => (r as PromiseFulfilledResult<{ spec: EngineSpec; url: string }>).value);
  const urls = Object.fromEntries(nodes.map((n) => [n.spec.id, n.url])) as Record<EngineId, string>;
  process.stderr.write(`[es-global-setup] nodes ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${nodes.map((n) => `${n.spec.id} ${n.url}`).join(', ')}\n`);
  try {
    for (const n of nodes) process.stderr.write(`[es-global-setup] setup ${n.spec.id}: ${summary(await installPackage({ url: n.url }))}\n`);
  } catch (err) {
    await teardown();
    throw new Error(`es tests: o365-audit setup failed against the test nodes: ${(err as Error).message}`);
  }
  project.provide('engineUrls', urls);
  project.provide('esUrl', urls.es7);
  const processors = (await (await fetch(`${urls.es7}/_nodes/ingest?filter_path=nodes.*.ingest.processors`)).text());
  project.provide('esGeoip', processors.includes('"geoip"'));
  return teardown;
}
