// Where the bearer token may go: only to the configured API origin (scheme, host, port), https
// only, except http on loopback when api_url itself is such a test double. Server-supplied URLs
// (NextPageUri, contentUri) are checked here before any request (wazuh PR #38688 for the hazard).

import { ConfigError } from '../errors.js';

export interface RefusedUrlInfo {
  /** Where the URL came from. */
  source: 'NextPageUri' | 'contentUri';
  /** Origin only (no path or query), safe to log. */
  origin: string;
  reason: string;
  contentType?: string;
  contentId?: string;
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || LOOPBACK_V4.test(h);
}

export class UrlGuard {
  readonly #protocol: string;
  readonly #host: string; // hostname:port, lower-case, default port elided (WHATWG URL does that)
  readonly #publisherParam: string;
  readonly origin: string;

  constructor(apiUrl: string, publisherId: string) {
    const u = new URL(apiUrl);
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      throw new ConfigError('api_url must be https (http is allowed only on a loopback host, for test doubles)', 'api_url');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError('api_url must be https', 'api_url');
    this.#protocol = u.protocol;
    this.#host = u.host.toLowerCase();
    this.origin = `${u.protocol}//${this.#host}`;
    this.#publisherParam = `PublisherIdentifier=${encodeURIComponent(publisherId)}`;
  }

  /** undefined when the token may go to `url`; otherwise the reason it may not. */
  refusal(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'not an absolute URL';
    }
    if (u.username !== '' || u.password !== '') return 'URL carries credentials';
    if (u.protocol !== this.#protocol) return `scheme ${u.protocol} differs from the API's ${this.#protocol}`;
    if (u.host.toLowerCase() !== this.#host) return 'host or port differs from the configured API';
    return undefined;
  }

  /**
   * Adds `PublisherIdentifier` textually when absent (case-insensitive), so the rest of the URL
   * (a contentUri with `$`, a nextPage token) is used exactly as the server gave it.
   */
  withPublisher(url: string): string {
    const hashAt = url.indexOf('#');
    const base = hashAt === -1 ? url : url.slice(0, hashAt);
    const q = base.indexOf('?');
    if (q !== -1 && /(?:^|&)PublisherIdentifier=/i.test(base.slice(q + 1))) return base;
    const sep = q === -1 ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
    return `${base}${sep}${this.#publisherParam}`;
  }
}

/** Origin of a URL for logs, or a placeholder; never the path or query. */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}//${u.host}` : u.origin;
  } catch {
    return '[unparsable URL]';
  }
}
