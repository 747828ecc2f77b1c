// Shared bits of the es tests: node URLs (each engine's variable, e.g. ES_URL / ES9_URL, or the
// ones test/es/global-setup.ts provides), a tiny JSON caller and data-stream checks.
import { expect, inject } from 'vitest';
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

/** The backing indices of a data stream, oldest first. */
export async function backingIndices(url: string, stream: string): Promise<string[]> {
  const r = await es(url, 'GET', `/_resolve/index/${stream}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.data_streams[0].backing_indices;
}

/** `field: type/type` for every field of a `_field_caps` answer with more than one type. */
export function typeConflicts(fields: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(fields).filter(([, types]) => Object.keys(types).length > 1).map(([f, types]) => `${f}: ${Object.keys(types).join('/')}`);
}

/** The fields with more than one type across the backing indices of a data stream (none: []). */
export async function noTypeConflicts(url: string, stream: string): Promise<string[]> {
  return typeConflicts((await es(url, 'GET', `/${stream}/_field_caps?fields=*`)).json.fields);
}
