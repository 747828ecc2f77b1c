// Test support: an Entra token endpoint double (`POST /{tenant}/oauth2/v2.0/token`) that checks a
// client secret or verifies a client_assertion JWT against a certificate, and issues opaque tokens.

import { createHash, verify, X509Certificate, constants } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, type RecordedRequest } from './https-double.js';

export interface LoginDoubleOptions {
  tenantId: string;
  clientId: string;
  secret?: string;
  /** PEM certificate whose key must have signed the client_assertion. */
  certificatePem?: string;
  /** Seconds; default 3599. Anything JSON (a string, null…) to test what a broken IdP sends. */
  expiresIn?: unknown;
  /** Answer every token request with this error instead. */
  failWith?: { status: number; body: unknown };
}

export interface LoginDouble {
  options: LoginDoubleOptions;
  issued: string[];
  tokenRequests: number;
  /** Decoded assertion headers/claims seen (certificate flow). */
  assertions: { header: Record<string, unknown>; claims: Record<string, unknown> }[];
  handle(req: RecordedRequest, res: ServerResponse, origin: string): boolean;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function createLoginDouble(options: LoginDoubleOptions): LoginDouble {
  const d: LoginDouble = {
    options,
    issued: [],
    tokenRequests: 0,
    assertions: [],
    handle(req, res, origin) {
      const path = `/${options.tenantId}/oauth2/v2.0/token`;
      if (req.method !== 'POST' || req.url.split('?')[0] !== path) {
        if (req.url.includes('/oauth2/')) {
          sendJson(res, 400, { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found.', error_codes: [90002] });
          return true;
        }
        return false;
      }
      d.tokenRequests++;
      if (options.failWith !== undefined) {
        sendJson(res, options.failWith.status, options.failWith.body);
        return true;
      }
      const form = new URLSearchParams(req.body);
      const fail = (msg: string) => sendJson(res, 401, { error: 'invalid_client', error_description: msg, error_codes: [Number(/AADSTS(\d+)/.exec(msg)?.[1] ?? 0)] });
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== options.clientId) {
        fail('AADSTS700016: Application with identifier was not found in the directory.');
        return true;
      }
      if (options.secret !== undefined) {
        if (form.get('client_secret') !== options.secret) {
          fail('AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.');
          return true;
        }
      } else if (options.certificatePem !== undefined) {
        const err = checkAssertion(form, options, `${origin}${path}`, d);
        if (err !== undefined) {
          fail(`AADSTS700027: ${err}`);
          return true;
        }
      }
      const token = `tok-${d.issued.length + 1}-${Math.random().toString(36).slice(2)}`;
      d.issued.push(token);
      sendJson(res, 200, { token_type: 'Bearer', expires_in: options.expiresIn ?? 3599, ext_expires_in: options.expiresIn ?? 3599, access_token: token });
      return true;
    },
  };
  return d;
}

function checkAssertion(form: URLSearchParams, o: LoginDoubleOptions, aud: string, d: LoginDouble): string | undefined {
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'missing client_assertion_type';
  const jwt = form.get('client_assertion');
  if (jwt === null) return 'missing client_assertion';
  const [h, p, s] = jwt.split('.');
  if (h === undefined || p === undefined || s === undefined) return 'malformed assertion';
  const header = b64urlJson(h);
  const claims = b64urlJson(p);
  d.assertions.push({ header, claims });
  const cert = new X509Certificate(o.certificatePem!);
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let ok: boolean;
  if (header['alg'] === 'PS256') {
    ok = verify('sha256', data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    if (header['x5t#S256'] !== createHash('sha256').update(cert.raw).digest('base64url')) return 'x5t#S256 does not match the certificate';
  } else if (header['alg'] === 'RS256') {
    ok = verify('sha256', data, cert.publicKey, sig);
    if (header['x5t'] !== createHash('sha1').update(cert.raw).digest('base64url')) return 'x5t does not match the certificate';
  } else return `unexpected alg ${String(header['alg'])}`;
  if (!ok) return 'signature does not verify';
  if (claims['aud'] !== aud) return `aud ${String(claims['aud'])} is not the token endpoint`;
  if (claims['iss'] !== o.clientId || claims['sub'] !== o.clientId) return 'iss/sub is not the client id';
  const now = Date.now() / 1000;
  if (typeof claims['exp'] !== 'number' || claims['exp'] < now) return 'assertion expired';
  return undefined;
}
