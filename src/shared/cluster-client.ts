// The one HTTP client for Elasticsearch/OpenSearch-style clusters (the elasticsearch output's
// _bulk, `setup`'s REST calls): base URLs (a path prefix behind a reverse proxy is kept),
// credentials (API key, user and password, or `user:pass@` in the URL), an extra CA, timeouts,
// round-robin over the hosts. Plain undici on purpose: no official client speaks to every server
// version we support (see src/outputs/elasticsearch/es-output.ts).

import { Agent, request, type Dispatcher } from 'undici';

export interface ClusterAuth {
  apiKey?: string;
  username?: string;
  password?: string;
}

export interface ClusterHttpOptions extends ClusterAuth {
  /** Base URLs; credentials in the first one are used when none are given. */
  hosts: string[];
  /** PEM text of extra CAs. */
  ca?: string;
  timeoutMs: number;
}

export interface ClusterResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the text when it is not JSON; undefined when empty. */
  body: unknown;
}

/** No HTTP answer came back (refused, reset, timed out, TLS): `code` says which. */
export class ClusterUnreachable extends Error {
  constructor(readonly code: string, options: { cause?: unknown } = {}) {
    super(`no answer from the cluster (${code})`, options);
  }
}

/** The Authorization header for the credentials (never logged). */
export function authHeader(o: ClusterAuth): string | undefined {
  if (o.apiKey !== undefined) return `ApiKey ${o.apiKey}`;
  if (o.username !== undefined) return 'Basic ' + Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64');
  return undefined;
}

/** `scheme://host[:port]/prefix` of a URL: what can be shown (never its credentials). */
export function shownUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

export class ClusterHttp {
  private readonly hosts: URL[];
  private readonly headers: Record<string, string> = { accept: 'application/json' };
  private readonly dispatcher: Dispatcher;
  private next = 0;

  constructor(o: ClusterHttpOptions) {
    this.hosts = o.hosts.map((h) => new URL(h));
    // Credentials in a host URL (`https://user:pass@host`) are honoured, then removed from it.
    const first = this.hosts[0];
    const fromUrl = first && first.username !== '' ? { username: decodeURIComponent(first.username), password: decodeURIComponent(first.password) } : {};
    const auth = authHeader(o.apiKey !== undefined || o.username !== undefined ? o : fromUrl);
    if (auth !== undefined) this.headers.authorization = auth;
    this.dispatcher = new Agent({ connect: o.ca ? { ca: o.ca } : {}, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  }

  /** The first host, for messages. */
  get url(): string {
    return shownUrl(this.hosts[0]!);
  }

  /** One request to the next host; every status is returned, only "no answer" throws (ClusterUnreachable). */
  async request(method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD', path: string, o: { query?: Record<string, string>; body?: string; contentType?: string } = {}): Promise<ClusterResponse> {
    const host = this.hosts[this.next++ % this.hosts.length]!;
    const u = new URL(host.href);
    const [p, q] = path.split('?');
    u.pathname = `${u.pathname.replace(/\/+$/, '')}${p}`;
    u.search = o.query !== undefined ? new URLSearchParams(o.query).toString() : (q ?? '');
    u.username = u.password = '';
    const headers = o.body !== undefined ? { ...this.headers, 'content-type': o.contentType ?? 'application/json' } : this.headers;
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(u, { method, headers, body: o.body, dispatcher: this.dispatcher });
      text = await res.body.text();
    } catch (err) {
      const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
      throw new ClusterUnreachable(String(e?.code ?? e?.cause?.code ?? 'unknown'), { cause: err });
    }
    let body: unknown = text === '' ? undefined : text;
    try {
      if (text !== '') body = JSON.parse(text);
    } catch {
      // Proxies answer HTML or plain text; the status decides.
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
