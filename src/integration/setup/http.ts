// Minimal JSON-over-HTTP client for setup. Plain undici rather than an official client on purpose:
// setup must talk to ES 7.x, ES 8.x and OpenSearch alike, and each official client refuses or
// mis-handles the others (product checks, version-specific request shapes). Setup only needs a
// handful of REST calls whose shapes we control.
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
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

function authHeader(auth: SetupAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if ('apiKey' in auth) return { authorization: `ApiKey ${auth.apiKey}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
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
  const url = base.href.replace(/\/$/, '');
  const shownUrl = `${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}`; // never show user:pass@
  const dispatcher: Dispatcher = new Agent({
    connect: options.caPem === undefined ? {} : { ca: options.caPem },
    headersTimeout: options.timeoutMs ?? 30_000,
    bodyTimeout: options.timeoutMs ?? 30_000,
  });
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...authHeader(options.auth) };
  return {
    url: shownUrl,
    async call(method, path, body) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher });
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(code) || /certificate/i.test((err as Error).message);
        throw new SetupError(
          `cannot reach the cluster at ${shownUrl}: ${code || (err as Error).message}`,
          tls ? 'the TLS certificate is not trusted: pass the CA with --ca FILE' : 'check the URL and that the cluster is running and reachable',
          { cause: err, path },
        );
      }
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // keep text
      }
      if (res.statusCode === 401) throw new SetupError(`the cluster at ${shownUrl} refused the credentials (401)`, 'check the API key or user name and password', { status: 401, path });
      if (res.statusCode === 403) throw new SetupError(`the credentials lack a privilege for ${method} ${path} (403): ${errorReason(parsed)}`, 'setup needs manage_index_templates, manage_pipeline and manage_ilm (or cluster admin)', { status: 403, path });
      return { status: res.statusCode, body: parsed };
    },
    async close() {
      await dispatcher.close();
    },
  };
}
