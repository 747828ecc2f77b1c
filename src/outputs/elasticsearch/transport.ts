// How a _bulk request reaches the cluster. Elasticsearch: the shared cluster client (plain HTTP over
// undici), because no maintained official client major speaks to every server we support (see es-output.ts).
// OpenSearch: the official @opensearch-project/opensearch client (its retries off: we own them).

import type { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { ClusterHttp, ClusterUnreachable, type ClusterAuth, type ClusterResponse } from '../../shared/cluster-client.js';

export type Engine = 'elasticsearch' | 'opensearch';

export type BulkResponse = ClusterResponse;

export interface TransportOptions extends ClusterAuth {
  engine: Engine;
  /** Base URLs; a path prefix (behind a reverse proxy) is kept. */
  hosts: string[];
  ca?: string;
  requestTimeoutMs: number;
}

export interface BulkTransport {
  bulk(index: string, ndjson: string, query: Record<string, string>): Promise<BulkResponse>;
  close(): Promise<void>;
}

export function createTransport(o: TransportOptions): BulkTransport {
  return o.engine === 'opensearch' ? new OpenSearchTransport(o) : new HttpBulkTransport(o);
}

/** Round-robins over the hosts (the shared cluster client), moving on after a connection failure. */
class HttpBulkTransport implements BulkTransport {
  private readonly http: ClusterHttp;

  constructor(o: TransportOptions) {
    this.http = new ClusterHttp({ ...o, timeoutMs: o.requestTimeoutMs });
  }

  bulk(index: string, ndjson: string, query: Record<string, string>): Promise<BulkResponse> {
    return this.http.request('POST', `/${encodeURIComponent(index)}/_bulk`, { query, body: ndjson, contentType: 'application/x-ndjson' });
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** Every error status is returned, not thrown: the output decides what each one means. */
const ALL_ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

class OpenSearchTransport implements BulkTransport {
  // Loaded on first use: the client costs ~20 MiB of RSS in every process that merely could use it.
  private client: Promise<OpenSearchClient> | undefined;

  constructor(private readonly o: TransportOptions) {}

  private getClient(): Promise<OpenSearchClient> {
    const o = this.o;
    this.client ??= import('@opensearch-project/opensearch').then(({ Client }) => {
      const headers: Record<string, string> = {};
      if (o.apiKey !== undefined) headers.authorization = `ApiKey ${o.apiKey}`;
      return new Client({
        nodes: o.hosts,
        maxRetries: 0,
        requestTimeout: o.requestTimeoutMs,
        headers,
        ...(o.username !== undefined ? { auth: { username: o.username, password: o.password ?? '' } } : {}),
        ...(o.ca ? { ssl: { ca: o.ca } } : {}),
      });
    });
    return this.client;
  }

  async bulk(index: string, ndjson: string, query: Record<string, string>): Promise<BulkResponse> {
    const client = await this.getClient();
    try {
      const r = await client.transport.request(
        { method: 'POST', path: `/${encodeURIComponent(index)}/_bulk`, querystring: query, bulkBody: ndjson },
        { ignore: ALL_ERROR_STATUSES },
      );
      return { status: r.statusCode ?? 0, headers: (r.headers ?? {}) as BulkResponse['headers'], body: r.body };
    } catch (err) {
      const e = err as { name?: string; meta?: { statusCode?: number; body?: unknown; headers?: BulkResponse['headers'] } };
      // A body the client could not parse still came with a status.
      if (typeof e.meta?.statusCode === 'number' && e.meta.statusCode > 0) {
        return { status: e.meta.statusCode, headers: e.meta.headers ?? {}, body: e.meta.body };
      }
      throw new ClusterUnreachable(e.name ?? errorCode(err), { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.client !== undefined) await (await this.client).close();
  }
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return String(e?.code ?? e?.cause?.code ?? 'unknown');
}
