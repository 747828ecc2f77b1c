// One undici dispatcher per tenant, shared by the API client and MSAL's login calls so the same
// proxy, CA certificates, keep-alive pool and connect timeout apply to both.

import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';

export interface DispatcherOptions {
  /** Explicit proxy (http:// or https://). Wins over HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxyUrl?: string;
  /** Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY when no proxyUrl is set (default true). */
  useEnvProxy?: boolean;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots, not replacing them. */
  caCerts?: string[];
  /** Connections per origin (default 8: the API quota is per minute, more sockets buy nothing). */
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

/** Builds the dispatcher; the caller owns it and must close() it. */
export function createDispatcher(o: DispatcherOptions = {}): Dispatcher {
  const tls = o.caCerts !== undefined && o.caCerts.length > 0 ? { secureContext: secureContextFor(o.caCerts) } : {};
  const base = {
    connections: o.maxConnections ?? 8,
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
