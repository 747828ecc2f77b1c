// Setup's JSON-over-HTTP calls, over the shared cluster client (src/shared/cluster-client.ts):
// plain undici rather than an official client on purpose, since setup must talk to ES 7.x, 8.x, 9.x
// and OpenSearch alike, and each official client refuses or mis-handles the others (product checks,
// version-specific request shapes). Setup only needs a handful of REST calls whose shapes we control.
import { readFileSync } from 'node:fs';
import { ClusterHttp, shownUrl, type ClusterResponse as HttpResponse } from '../../shared/cluster-client.js';
import { O365AuditError } from '../../errors.js';

export type SetupAuth = { apiKey: string } | { username: string; password: string };

export interface ClusterClientOptions {
  url: string;
  auth?: SetupAuth;
  /** PEM text of the CA that signed the cluster's certificate. */
  caPem?: string;
  timeoutMs?: number;
}

export interface ClusterResponse {
  status: number;
  body: unknown;
}

export class SetupError extends O365AuditError {
  constructor(message: string, readonly hint?: string, options: { status?: number; cause?: unknown; path?: string } = {}) {
    super('O365_ERR_SETUP', message, { context: { status: options.status, path: options.path, hint }, cause: options.cause });
  }
}

export interface ClusterClient {
  readonly url: string;
  call(method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD', path: string, body?: unknown): Promise<ClusterResponse>;
  close(): Promise<void>;
}

export function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SetupError(`cannot read the CA file ${path}`, 'check the --ca path', { cause: err });
  }
}

/** Summarises an error body without echoing request content (which may be large, never secret). */
export function errorReason(body: unknown): string {
  const e = (body as { error?: unknown } | undefined)?.error;
  if (typeof e === 'string') return e;
  if (e !== null && typeof e === 'object') {
    const rc = (e as { root_cause?: Array<{ reason?: string }> }).root_cause?.[0]?.reason;
    const reason = (e as { reason?: string }).reason;
    const type = (e as { type?: string }).type;
    return [type, reason ?? rc].filter(Boolean).join(': ');
  }
  return JSON.stringify(body)?.slice(0, 300) ?? 'no body';
}

export function createClusterClient(options: ClusterClientOptions): ClusterClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch (err) {
    throw new SetupError(`invalid cluster URL`, 'pass a URL such as https://localhost:9200', { cause: err });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SetupError('the cluster URL must be http:// or https://');
  const shown = shownUrl(base);
  const http = new ClusterHttp({ hosts: [base.href], ...options.auth, ca: options.caPem, timeoutMs: options.timeoutMs ?? 30_000 });
  return {
    url: shown,
    async call(method, path, body) {
      let res: HttpResponse;
      try {
        res = await http.request(method, path, { body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        const code = (err as { code?: string }).code ?? '';
        const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(code) || /certificate/i.test((cause as Error).message);
        throw new SetupError(
          `cannot reach the cluster at ${shown}: ${code || (cause as Error).message}`,
          tls ? 'the TLS certificate is not trusted: pass the CA with --ca FILE' : 'check the URL and that the cluster is running and reachable',
          { cause, path },
        );
      }
      const parsed = res.body;
      if (res.status === 401) throw new SetupError(`the cluster at ${shown} refused the credentials (401)`, 'check the API key or user name and password', { status: 401, path });
      if (res.status === 403) throw new SetupError(`the credentials lack a privilege for ${method} ${path} (403): ${errorReason(parsed)}`, 'setup needs manage_index_templates, manage_pipeline and manage_ilm (or cluster admin)', { status: 403, path });
      return { status: res.status, body: parsed };
    },
    async close() {
      await http.close();
    },
  };
}
