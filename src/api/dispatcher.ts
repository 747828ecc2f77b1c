// The undici dispatcher of a tenant, shared by the API client and MSAL's login calls so the same
// proxy, CA certificates, keep-alive pool and connect timeout apply to both. Tenants with the same
// network settings share one pool (all of them talk to the same two hosts): 500 tenants then hold
// a few dozen TLS sockets instead of thousands (~100 KB and one handshake each).

import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Agent, Dispatcher, EnvHttpProxyAgent, ProxyAgent, errors } from 'undici';
import { ConfigError } from '../errors.js';

export interface DispatcherOptions {
  /** Explicit proxy (http:// or https://). Wins over HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxyUrl?: string;
  /** Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY when no proxyUrl is set (default true). */
  useEnvProxy?: boolean;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots, not replacing them. */
  caCerts?: string[];
  /**
   * Connections per origin of the shared pool (default 32: shared by every tenant with the same
   * settings; one tenant uses about blob_concurrency + its content types at most).
   */
  maxConnections?: number;
  /** TCP+TLS connect timeout, ms (default 15 s). */
  connectTimeoutMs?: number;
  /** Idle keep-alive, ms (default 30 s). */
  keepAliveMs?: number;
  /** Test hook: the environment to read proxy variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

function envProxySet(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['HTTPS_PROXY'] ?? env['https_proxy'] ?? env['HTTP_PROXY'] ?? env['http_proxy']);
}

// A `ca` option makes tls.connect build a new context that parses every certificate given (Node's
// ~140 roots plus the extra ones): tens of ms of CPU per socket, paid again by each new connection
// of each tenant. One shared context per distinct CA set pays it once.
const contexts = new Map<string, SecureContext>();

/** The TLS context trusting Node's default roots plus `caCerts`, built once per distinct set. */
export function secureContextFor(caCerts: string[]): SecureContext {
  const key = caCerts.join('\n');
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    // `ca` replaces Node's default roots, so the extra CAs are appended to them.
    ctx = createSecureContext({ ca: [...rootCertificates, ...caCerts] });
    contexts.set(key, ctx);
  }
  return ctx;
}

interface SharedPool {
  dispatcher: Dispatcher;
  users: number;
}
const pools = new Map<string, SharedPool>();

function poolKey(o: DispatcherOptions): string {
  const env = o.env;
  return JSON.stringify([
    o.proxyUrl ?? '',
    o.useEnvProxy ?? true,
    o.caCerts ?? [],
    o.maxConnections ?? 0,
    o.connectTimeoutMs ?? 0,
    o.keepAliveMs ?? 0,
    env === undefined ? null : ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].map((k) => env[k] ?? null),
  ]);
}

/** A caller's handle on a shared pool: close() releases it; the last release closes the pool. */
class PoolHandle extends Dispatcher {
  #pool: SharedPool | undefined;
  readonly #release: () => Promise<void>;

  constructor(pool: SharedPool, release: () => Promise<void>) {
    super();
    this.#pool = pool;
    this.#release = release;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#pool === undefined) throw new errors.ClientClosedError();
    return this.#pool.dispatcher.dispatch(options, handler);
  }

  #end(): Promise<void> {
    if (this.#pool === undefined) return Promise.resolve();
    this.#pool = undefined;
    return this.#release();
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const p = this.#end();
    if (callback === undefined) return p;
    p.then(callback, callback);
  }

  // Destroying a handle must not abort other tenants' requests on the shared pool: it releases.
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const callback = typeof a === 'function' ? a : b;
    const p = this.#end();
    if (callback === undefined) return p;
    p.then(callback, callback);
  }
}

/**
 * The dispatcher for these settings: a handle on the pool shared by every caller with equal
 * settings. The caller must close() it (the pool closes with its last handle).
 */
export function createDispatcher(o: DispatcherOptions = {}): Dispatcher {
  const key = poolKey(o);
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = { dispatcher: buildDispatcher(o), users: 0 };
    pools.set(key, pool);
  }
  pool.users++;
  const mine = pool;
  return new PoolHandle(mine, async () => {
    mine.users--;
    if (mine.users > 0) return;
    if (pools.get(key) === mine) pools.delete(key);
    await mine.dispatcher.close();
  });
}

function buildDispatcher(o: DispatcherOptions): Dispatcher {
  const tls = o.caCerts !== undefined && o.caCerts.length > 0 ? { secureContext: secureContextFor(o.caCerts) } : {};
  const base = {
    connections: o.maxConnections ?? 32,
    keepAliveTimeout: o.keepAliveMs ?? 30_000,
    connect: { ...tls, timeout: o.connectTimeoutMs ?? 15_000 },
  };
  if (o.proxyUrl !== undefined && o.proxyUrl !== '') {
    let uri: URL;
    try {
      uri = new URL(o.proxyUrl);
    } catch (cause) {
      throw new ConfigError('proxy URL is not a valid URL', 'proxy_url', { cause });
    }
    if (uri.protocol !== 'http:' && uri.protocol !== 'https:') throw new ConfigError('proxy URL must be http:// or https://', 'proxy_url');
    // requestTls: TLS to the origin through the tunnel; proxyTls: TLS to an https:// proxy.
    return new ProxyAgent({ ...base, uri: uri.href, requestTls: { ...tls }, proxyTls: { ...tls } });
  }
  const env = o.env ?? process.env;
  if ((o.useEnvProxy ?? true) && envProxySet(env)) {
    return new EnvHttpProxyAgent({
      ...base,
      requestTls: { ...tls },
      proxyTls: { ...tls },
      ...(o.env !== undefined
        ? {
            httpProxy: env['HTTP_PROXY'] ?? env['http_proxy'],
            httpsProxy: env['HTTPS_PROXY'] ?? env['https_proxy'],
            noProxy: env['NO_PROXY'] ?? env['no_proxy'],
          }
        : {}),
    });
  }
  return new Agent(base);
}
