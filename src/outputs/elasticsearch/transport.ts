// How a _bulk request reaches the cluster. Elasticsearch: plain HTTP over undici, because no
// maintained official client major speaks to every server we support (see es-output.ts).
// OpenSearch: the official @opensearch-project/opensearch client (its retries off: we own them).

import type { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { Agent, request, type Dispatcher } from 'undici';

export type Engine = 'elasticsearch' | 'opensearch';

export interface BulkResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

/** Thrown when no HTTP answer came back (refused, reset, timed out): always worth a retry. */
export class TransportFailure extends Error {
  constructor(readonly code: string, options: { cause?: unknown } = {}) {
    super(`no answer from the cluster (${code})`, options);
  }
}

export interface TransportOptions {
  engine: Engine;
  /** Base URLs; a path prefix (behind a reverse proxy) is kept. */
  hosts: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  ca?: string;
  requestTimeoutMs: number;
}

export interface BulkTransport {
  bulk(index: string, ndjson: string, query: Record<string, string>): Promise<BulkResponse>;
  close(): Promise<void>;
}

/** The Authorization header for the configured credentials (never logged). */
export function authHeader(o: Pick<TransportOptions, 'apiKey' | 'username' | 'password'>): string | undefined {
  if (o.apiKey !== undefined) return `ApiKey ${o.apiKey}`;
  if (o.username !== undefined) return 'Basic ' + Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64');
  return undefined;
}

export function createTransport(o: TransportOptions): BulkTransport {
  return o.engine === 'opensearch' ? new OpenSearchTransport(o) : new HttpBulkTransport(o);
}

function bulkPath(base: URL, index: string, query: Record<string, string>): URL {
  const u = new URL(base.href);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${encodeURIComponent(index)}/_bulk`;
  u.search = new URLSearchParams(query).toString();
  u.username = u.password = '';
  return u;
}

/** Round-robins over the hosts, moving on to the next one after a connection failure. */
class HttpBulkTransport implements BulkTransport {
  private readonly hosts: URL[];
  private readonly headers: Record<string, string>;
  private readonly dispatcher: Dispatcher;
  private next = 0;

  constructor(o: TransportOptions) {
    this.hosts = o.hosts.map((h) => new URL(h));
    this.headers = { 'content-type': 'application/x-ndjson', accept: 'application/json' };
    // Credentials in a host URL (`https://user:pass@host`) are honoured, then removed from it.
    const first = this.hosts[0];
    const fromUrl = first && first.username !== '' ? { username: decodeURIComponent(first.username), password: decodeURIComponent(first.password) } : {};
    const auth = authHeader(o.apiKey !== undefined || o.username !== undefined ? o : fromUrl);
    if (auth !== undefined) this.headers.authorization = auth;
    this.dispatcher = new Agent({ connect: o.ca ? { ca: o.ca } : {}, headersTimeout: o.requestTimeoutMs, bodyTimeout: o.requestTimeoutMs });
  }

  async bulk(index: string, ndjson: string, query: Record<string, string>): Promise<BulkResponse> {
    const host = this.hosts[this.next % this.hosts.length]!;
    this.next++;
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(bulkPath(host, index, query), { method: 'POST', headers: this.headers, body: ndjson, dispatcher: this.dispatcher });
      text = await res.body.text();
    } catch (err) {
      throw new TransportFailure(errorCode(err), { cause: err });
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Proxies answer HTML or plain text; the status decides.
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
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
      throw new TransportFailure(e.name ?? errorCode(err), { cause: err });
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
