// MSAL's HTTP goes through our undici dispatcher (system.networkClient) so the configured proxy,
// extra CA certificates and connect timeout apply to login exactly as to the API.

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';
import { AuthError } from '../errors.js';
import { redactSecrets } from '../logging/redact.js';
import { sanitizeTokenResponse } from './token-lifetime.js';

export interface MsalNetworkOptions {
  dispatcher: Dispatcher;
  /** Headers and body timeout for login calls, ms. */
  timeoutMs: number;
  /** Called once per HTTP exchange (tests count token requests through it). */
  onRequest?: (method: string, url: string) => void;
  /** A token response stated an unusable lifetime, replaced by `used` seconds. */
  onLifetimeClamped?: (stated: unknown, used: number) => void;
}

// Entra answers in a few KB; anything bigger is not a token endpoint.
const MAX_BODY = 256 * 1024;

export interface MsalNetwork {
  client: INetworkModule;
  /**
   * The AuthError (with its hint) behind MSAL's generic `network_error`: MSAL replaces whatever
   * a network client throws with that code, so the explanation travels on this side channel.
   */
  takeLastError(): AuthError | undefined;
}

export function createMsalNetworkClient(o: MsalNetworkOptions): MsalNetwork {
  let lastError: AuthError | undefined;
  async function send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    lastError = undefined;
    try {
      return await sendOnce<T>(method, url, options, timeout);
    } catch (e) {
      if (e instanceof AuthError) lastError = e;
      throw e;
    }
  }
  async function sendOnce<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const host = safeHost(url);
    o.onRequest?.(method, url);
    const ms = timeout ?? o.timeoutMs;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: o.dispatcher,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        headersTimeout: ms,
        bodyTimeout: ms,
      });
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      throw new AuthError(
        `cannot reach the login host ${host}${code ? ` (${code})` : ''}: check the cloud setting or login_url, and the proxy / firewall / CA settings`,
        { retryable: true, cause, context: { loginHost: host, networkError: code } },
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) break;
      chunks.push(c);
    }
    if (size > MAX_BODY) res.body.destroy();
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy login page or a wrong login_url answers HTML; say so instead of "parse error".
      throw new AuthError(
        `the login host ${host} answered HTTP ${res.statusCode} with a non-JSON body (${JSON.stringify(redactSecrets(text.slice(0, 80)))}): check login_url / cloud and any intercepting proxy`,
        { retryable: res.statusCode >= 500, context: { loginHost: host, status: res.statusCode } },
      );
    }
    const clamped = res.statusCode === 200 ? sanitizeTokenResponse(body) : undefined;
    if (clamped) o.onLifetimeClamped?.(clamped.stated, clamped.used);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { status: res.statusCode, headers, body: body as T };
  }
  return {
    client: {
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>('GET', url, options, timeout),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
    },
    takeLastError: () => {
      const e = lastError;
      lastError = undefined;
      return e;
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '[invalid URL]';
  }
}
