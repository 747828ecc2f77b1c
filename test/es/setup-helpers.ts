// Shared bits of the es tests: node URLs (each engine's variable, e.g. ES_URL / ES9_URL, or the
// ones test/es/global-setup.ts provides) and a tiny JSON caller.
import { inject } from 'vitest';
import { DEFAULT_ENGINE, engineSpec, type EngineId } from '../../src/search-engine/matrix.js';

export type Engine = 'elasticsearch' | 'opensearch';
export const ENGINES: Engine[] = ['elasticsearch', 'opensearch'];

/** URL of an engine of the matrix; 'elasticsearch' / 'opensearch' mean ES 7.10 / OpenSearch 2. */
export function urlOf(engine: Engine | EngineId): string {
  const id = engine === 'elasticsearch' || engine === 'opensearch' ? DEFAULT_ENGINE[engine] : engine;
  const env = process.env[engineSpec(id).urlEnv];
  if (env) return env.replace(/\/+$/, '');
  const url = inject('engineUrls')?.[id];
  if (!url) throw new Error(`no ${id} node: the es global setup starts one, or set ${engineSpec(id).urlEnv}`);
  return url;
}

export async function es(url: string, method: string, path: string, body?: unknown, ndjson = false): Promise<{ status: number; json: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
