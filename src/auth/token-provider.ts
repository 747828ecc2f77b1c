// App-only tokens for one tenant via MSAL client credentials (secret or certificate), with no
// discovery calls (authority metadata is built from the login URL), a single-flight cache that
// refreshes ahead of expiry, and Entra errors mapped to plain-words AuthErrors.

import { createHash, createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import type { Dispatcher } from 'undici';
import { AuthError, ConfigError, O365AuditError } from '../errors.js';
import type { Logger } from '../logging/types.js';
import { createMsalNetworkClient, type MsalNetwork } from './msal-network.js';
import { tokenError } from './aad-errors.js';
import { forgetSecret, registerSecret } from '../logging/redact.js';
import { MAX_TOKEN_LIFETIME_S, MIN_TOKEN_LIFETIME_S } from './token-lifetime.js';

export type ClientCredential =
  | { type: 'secret'; secret: string }
  | {
      type: 'certificate';
      /** PEM private key (PKCS#8 or PKCS#1, optionally encrypted); may also hold the certificate. */
      privateKeyPem: string;
      passphrase?: string;
      /** PEM certificate (chain allowed); its SHA-256 thumbprint is computed. */
      certificatePem?: string;
      /** Hex SHA-1 (40) or SHA-256 (64) thumbprint, when no certificate PEM is at hand. */
      thumbprint?: string;
      /** Send the certificate chain (x5c) for subject-name/issuer auth (needs certificatePem). */
      sendX5c?: boolean;
    };

export interface TokenProviderOptions {
  tenantId: string;
  clientId: string;
  credential: ClientCredential;
  /** Login origin, e.g. https://login.microsoftonline.com (from resolveEndpoints). */
  loginUrl: string;
  scope: string;
  dispatcher: Dispatcher;
  logger?: Logger;
  /** Per login call, ms (default 30 s). */
  timeoutMs?: number;
  /** Renew this long before expiry (default 5 min, like MSAL; at most half the token's life). */
  refreshMarginMs?: number;
  now?: () => number;
  /** Called after each token obtained from the network. */
  onAcquired?: (kind: 'initial' | 'renewal' | 'forced') => void;
  /** Called for every HTTP call MSAL makes (tests count them). */
  onLoginRequest?: (method: string, url: string) => void;
}

export interface TokenSource {
  /** A token valid for at least `minValidityMs` more (best effort when the IdP issues shorter ones). */
  getToken(options?: { minValidityMs?: number }): Promise<string>;
  /** After a 401: a new token, unless another caller already replaced `rejected`. */
  forceRefresh(rejected?: string): Promise<string>;
}

interface Cached {
  token: string;
  expiresAt: number;
  acquiredAt: number;
}

export class TokenProvider implements TokenSource {
  readonly #o: TokenProviderOptions;
  readonly #app: ConfidentialClientApplication;
  readonly #now: () => number;
  readonly #loginHost: string;
  readonly #network: MsalNetwork;
  #cached: Cached | undefined;
  #previousToken: string | undefined;
  #inflight: Promise<Cached> | undefined;
  #acquisitions = 0;

  constructor(o: TokenProviderOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    const login = new URL(o.loginUrl);
    if (login.protocol !== 'https:') throw new ConfigError('login_url must be https (MSAL refuses other schemes)', 'login_url');
    this.#loginHost = login.host;
    const authority = `${o.loginUrl}/${o.tenantId}`;
    const tokenEndpoint = `${authority}/oauth2/v2.0/token`;
    // Supplying both metadata documents and knownAuthorities means MSAL never calls discovery on
    // Microsoft's real hosts: works for sovereign clouds, proxies and local doubles alike.
    this.#network = createMsalNetworkClient({
      dispatcher: o.dispatcher,
      timeoutMs: o.timeoutMs ?? 30_000,
      onRequest: o.onLoginRequest,
      onLifetimeClamped: (stated, used) =>
        o.logger?.warn({ tenantId: o.tenantId, loginHost: login.host, statedExpiresIn: String(stated).slice(0, 40), usedExpiresInS: used }, 'the login host stated an unusable token lifetime; using a clamped one'),
    });
    const config: Configuration = {
      auth: {
        clientId: o.clientId,
        authority,
        knownAuthorities: [login.host],
        authorityMetadata: JSON.stringify({
          token_endpoint: tokenEndpoint,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          issuer: `${o.loginUrl}/${o.tenantId}/v2.0`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
        }),
        cloudDiscoveryMetadata: JSON.stringify({
          tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
          metadata: [{ preferred_network: login.host, preferred_cache: login.host, aliases: [login.host] }],
        }),
        ...credentialAuth(o.credential),
      },
      system: {
        networkClient: this.#network.client,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (_level, message, containsPii) => {
            if (!containsPii) o.logger?.debug({ component: 'msal' }, message.slice(0, 300));
          },
        },
      },
    };
    this.#app = new ConfidentialClientApplication(config);
  }

  async getToken(options: { minValidityMs?: number } = {}): Promise<string> {
    const c = this.#cached;
    if (c !== undefined && this.#fresh(c, options.minValidityMs ?? 0)) return c.token;
    return (await this.#acquire(c !== undefined ? 'renewal' : 'initial')).token;
  }

  async forceRefresh(rejected?: string): Promise<string> {
    if (this.#inflight !== undefined) return (await this.#inflight).token;
    const c = this.#cached;
    if (rejected !== undefined && c !== undefined && c.token !== rejected && this.#fresh(c, 0)) return c.token;
    return (await this.#acquire('forced')).token;
  }

  #fresh(c: Cached, minValidityMs: number): boolean {
    const margin = Math.min(this.#o.refreshMarginMs ?? 5 * 60_000, (c.expiresAt - c.acquiredAt) / 2);
    return c.expiresAt - this.#now() > Math.max(margin, minValidityMs);
  }

  #acquire(kind: 'initial' | 'renewal' | 'forced'): Promise<Cached> {
    // Single flight: concurrent callers share one token request.
    this.#inflight ??= this.#request(kind).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #request(kind: 'initial' | 'renewal' | 'forced'): Promise<Cached> {
    const acquiredAt = this.#now();
    let result;
    try {
      // skipCache: our cache decided a new token is due; MSAL's own cache must not hand back the
      // same near-expiry (or rejected) token.
      result = await this.#app.acquireTokenByClientCredential({ scopes: [this.#o.scope], skipCache: true, correlationId: randomUUID() });
    } catch (e) {
      throw this.#mapError(e);
    }
    if (result === null || result.accessToken === '') {
      throw new AuthError(`token request for tenant ${this.#o.tenantId} to ${this.#loginHost} returned no access token`, { context: { loginHost: this.#loginHost } });
    }
    // MSAL computes expiresOn from the (clamped) expires_in on its own clock (Date.now); keep the
    // lifetime, on ours. A missing or invalid date counts as the shortest lifetime.
    const stated = result.expiresOn ? result.expiresOn.getTime() - Date.now() : Number.NaN;
    const lifetimeMs = Number.isFinite(stated) && stated > 0 ? Math.min(stated, MAX_TOKEN_LIFETIME_S * 1000) : MIN_TOKEN_LIFETIME_S * 1000;
    const expiresAt = this.#now() + lifetimeMs;
    const cached = { token: result.accessToken, expiresAt, acquiredAt };
    // Every token is a secret whatever its shape (opaque ones too): a server that echoes it in an
    // error must not get it printed. The one before the previous is forgotten (bounded set).
    registerSecret(cached.token);
    if (this.#previousToken !== undefined && this.#previousToken !== this.#cached?.token) forgetSecret(this.#previousToken);
    this.#previousToken = this.#cached?.token;
    this.#cached = cached;
    this.#acquisitions++;
    this.#o.onAcquired?.(this.#acquisitions === 1 ? 'initial' : kind);
    this.#o.logger?.debug({ tenantId: this.#o.tenantId, kind, expiresInS: Math.round((expiresAt - this.#now()) / 1000) }, 'token acquired');
    return cached;
  }

  #mapError(e: unknown): O365AuditError {
    const fromNetwork = this.#network.takeLastError();
    if (e instanceof O365AuditError) return e;
    if (fromNetwork !== undefined) return fromNetwork;
    const m = e as { errorCode?: string; errorMessage?: string; errorNo?: string; status?: number; message?: string; name?: string };
    const cause = e instanceof Error ? e : undefined;
    if (m.name === 'ServerError' || (m.errorMessage !== undefined && /AADSTS\d+/.test(m.errorMessage))) {
      return tokenError(
        { errorCode: m.errorCode, description: m.errorMessage, errorNo: m.errorNo, status: m.status, loginHost: this.#loginHost, tenantId: this.#o.tenantId, clientId: this.#o.clientId },
        cause,
      );
    }
    return new AuthError(`token request for tenant ${this.#o.tenantId} to ${this.#loginHost} failed: ${m.errorCode ?? m.name ?? 'error'}${m.errorMessage ? `: ${m.errorMessage.slice(0, 200)}` : ''}`, {
      retryable: m.errorCode === 'network_error',
      cause,
      context: { loginHost: this.#loginHost, msalError: m.errorCode },
    });
  }
}

function credentialAuth(c: ClientCredential): Pick<NonNullable<Configuration['auth']>, 'clientSecret' | 'clientCertificate'> {
  if (c.type === 'secret') {
    if (c.secret === '') throw new ConfigError('client secret is empty', 'client_secret');
    return { clientSecret: c.secret };
  }
  return { clientCertificate: certificateCredential(c) };
}

/** Normalises the key to PKCS#8 (what MSAL signs with) and works out the thumbprint. */
export function certificateCredential(c: Extract<ClientCredential, { type: 'certificate' }>): {
  privateKey: string;
  thumbprint?: string;
  thumbprintSha256?: string;
  x5c?: string;
} {
  let key;
  try {
    key = createPrivateKey({ key: c.privateKeyPem, format: 'pem', ...(c.passphrase !== undefined ? { passphrase: c.passphrase } : {}) });
  } catch (cause) {
    throw new ConfigError('the certificate private key could not be read (PEM expected; encrypted keys need the passphrase)', 'certificate.private_key', { cause });
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new ConfigError(`Entra needs an RSA key for certificate credentials (got ${key.asymmetricKeyType ?? 'unknown'})`, 'certificate.private_key');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new ConfigError(`the certificate key has ${bits} bits; Entra requires at least 2048`, 'certificate.private_key');
  const privateKey = key.export({ format: 'pem', type: 'pkcs8' }).toString();

  // The certificate may sit in the key file (a common "combined PEM").
  const certPem = c.certificatePem ?? (/-----BEGIN CERTIFICATE-----/.test(c.privateKeyPem) ? c.privateKeyPem : undefined);
  if (certPem !== undefined) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch (cause) {
      throw new ConfigError('the certificate PEM could not be read', 'certificate.certificate', { cause });
    }
    if (!cert.checkPrivateKey(key)) throw new ConfigError('the certificate does not match the private key', 'certificate.certificate');
    const thumbprintSha256 = createHash('sha256').update(cert.raw).digest('hex');
    const x5c = c.sendX5c === true ? certPem : undefined;
    return { privateKey, thumbprintSha256, ...(x5c !== undefined ? { x5c } : {}) };
  }
  if (c.thumbprint === undefined) throw new ConfigError('a certificate credential needs the certificate PEM or its thumbprint', 'certificate.thumbprint');
  const hex = c.thumbprint.replace(/[\s:]/g, '').toLowerCase();
  if (/^[0-9a-f]{64}$/.test(hex)) return { privateKey, thumbprintSha256: hex };
  // SHA-1 is what older portals show; MSAL then signs RS256 with x5t (still accepted by Entra).
  if (/^[0-9a-f]{40}$/.test(hex)) return { privateKey, thumbprint: hex };
  throw new ConfigError('the certificate thumbprint must be 40 (SHA-1) or 64 (SHA-256) hex characters', 'certificate.thumbprint');
}
