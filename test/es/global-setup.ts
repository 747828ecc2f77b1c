// vitest globalSetup of the `es` project: uses ES_URL / OPENSEARCH_URL when set, else starts an
// embedded Elasticsearch 7.10.2 and OpenSearch 2.19.1 in parallel (scripts/search-engine), runs
// `setup` against both so pipeline tests find the package installed, provides the URLs to tests
// (`inject('esUrl')`, `inject('osUrl')`) and stops the nodes it started on teardown.
import type { TestProject } from 'vitest/node';
import { startEngine, type EngineKind, type RunningEngine } from '../../scripts/search-engine/engine-runner.js';
import { setup as installPackage, type SetupResult } from '../../src/integration/setup/setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    esUrl: string;
    osUrl: string;
    /** Whether the Elasticsearch node has the geoip processor (embedded: yes, with test databases). */
    esGeoip: boolean;
  }
}

async function nodeFor(kind: EngineKind, envUrl: string | undefined): Promise<{ url: string; engine?: RunningEngine }> {
  if (envUrl !== undefined && envUrl !== '') return { url: envUrl.replace(/\/+$/, '') };
  const engine = await startEngine({ kind, log: (line) => process.stderr.write(`[es-global-setup] ${line}\n`) });
  return { url: engine.url, engine };
}

function summary(r: SetupResult): string {
  const changed = r.assets.filter((a) => a.status !== 'up to date').length;
  return `${r.cluster.distribution} ${r.cluster.version}: ${changed} asset(s) installed/updated, ${r.assets.length - changed} up to date`;
}

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const results = await Promise.allSettled([
    nodeFor('elasticsearch', process.env['ES_URL']),
    nodeFor('opensearch', process.env['OPENSEARCH_URL']),
  ]);
  const engines = results.flatMap((r) => (r.status === 'fulfilled' && r.value.engine !== undefined ? [r.value.engine] : []));
  const teardown = async (): Promise<void> => {
    await Promise.all(engines.map((e) => e.stop()));
  };
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await teardown();
    throw new Error(`es tests: could not get a search node (set ES_URL / OPENSEARCH_URL to use running ones):\n${failures.map((f) => f.message).join('\n\n')}`);
  }
  const [es, os] = results.map((r) => (r as PromiseFulfilledResult<{ url: string; engine?: RunningEngine }>).value) as [{ url: string; engine?: RunningEngine }, { url: string; engine?: RunningEngine }];
  process.stderr.write(`[es-global-setup] nodes ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${es.url}, ${os.url}\n`);
  try {
    for (const url of [es.url, os.url]) process.stderr.write(`[es-global-setup] setup: ${summary(await installPackage({ url }))}\n`);
  } catch (err) {
    await teardown();
    throw new Error(`es tests: o365-audit setup failed against the test nodes: ${(err as Error).message}`);
  }
  project.provide('esUrl', es.url);
  project.provide('osUrl', os.url);
  const processors = (await (await fetch(`${es.url}/_nodes/ingest?filter_path=nodes.*.ingest.processors`)).text());
  project.provide('esGeoip', processors.includes('"geoip"'));
  return teardown;
}
