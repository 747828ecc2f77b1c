// Minimal JSON-over-HTTP client for the Elasticsearch / OpenSearch nodes the pipeline tests use.
export interface Engine {
  name: 'elasticsearch' | 'opensearch';
  url: string;
  version: string;
  /** True on OpenSearch and on ES with x-pack (data streams); ES 7.10 OSS has no data streams. */
  dataStreams: boolean;
  /** False when no node has the ingest role (bulk ?pipeline= is then impossible). */
  ingest: boolean;
}

export async function call(url: string, method: string, path: string, body?: unknown, ndjson = false): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (res.status >= 400 && !(method === 'DELETE' && res.status === 404)) {
    throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 2000)}`);
  }
  return json;
}

export async function detect(url: string): Promise<Engine> {
  const info = await call(url, 'GET', '/');
  const os = info.version?.distribution === 'opensearch';
  const xpack = !os && (await fetch(url + '/_xpack').then((r) => r.ok).catch(() => false));
  const nodes = (await call(url, 'GET', '/_cat/nodes?h=node.role&format=json')) as { 'node.role': string }[];
  const ingest = nodes.some((n) => n['node.role'].includes('i'));
  return { name: os ? 'opensearch' : 'elasticsearch', url, version: info.version.number, dataStreams: os || xpack, ingest };
}
