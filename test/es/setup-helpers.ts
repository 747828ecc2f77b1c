// Shared bits of the setup/ingest es tests: node URLs (ES_URL / OPENSEARCH_URL or the ones
// test/es/global-setup.ts provides) and a tiny JSON caller.
import { inject } from 'vitest';

export type Engine = 'elasticsearch' | 'opensearch';
export const ENGINES: Engine[] = ['elasticsearch', 'opensearch'];

export function urlOf(engine: Engine): string {
  const env = engine === 'elasticsearch' ? process.env['ES_URL'] : process.env['OPENSEARCH_URL'];
  if (env) return env.replace(/\/+$/, '');
  return inject(engine === 'elasticsearch' ? 'esUrl' : 'osUrl');
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
