// Verification of certificate client assertions (RS256 / PS256 JWTs signed with the key of the
// certificate registered for the app): signature, thumbprint header, aud, iss, sub and lifetime.

import { X509Certificate, constants, createHash, createPublicKey, verify } from 'node:crypto';
import type { SimCertificate } from './types.js';

export type AssertionCheck = { ok: true } | { ok: false; code: number; message: string };

const SKEW_S = 300;

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `audiences` are the token endpoint URLs the assertion may name. Lifetime is checked against the
 * wall clock, not the simulator clock: the client signs with its own real time.
 */
export function checkAssertion(jwt: string, cert: SimCertificate, clientId: string, audiences: string[], wallNowMs: number): AssertionCheck {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: false, code: 50027, message: 'JWT token is invalid or malformed.' };
  const [h, p, s] = parts as [string, string, string];
  const header = decode(h);
  const payload = decode(p);
  if (header === undefined || payload === undefined) return { ok: false, code: 50027, message: 'JWT token is invalid or malformed.' };
  const der = new X509Certificate(cert.certPem).raw;
  if (header.x5t !== undefined && header.x5t !== createHash('sha1').update(der).digest('base64url')) {
    return { ok: false, code: 700027, message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(header.x5t)}']` };
  }
  if (header['x5t#S256'] !== undefined && header['x5t#S256'] !== createHash('sha256').update(der).digest('base64url')) {
    return { ok: false, code: 700027, message: 'The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]' };
  }
  const key = createPublicKey(cert.certPem);
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let valid = false;
  try {
    if (header.alg === 'RS256') valid = verify('sha256', data, key, sig);
    else if (header.alg === 'PS256') valid = verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, code: 700027, message: 'Client assertion failed signature validation.' };
  const now = wallNowMs / 1000;
  if (typeof payload.exp !== 'number' || payload.exp + SKEW_S < now || (typeof payload.nbf === 'number' && payload.nbf - SKEW_S > now)) {
    return { ok: false, code: 700024, message: 'Client assertion is not within its valid time range.' };
  }
  if (typeof payload.aud !== 'string' || !audiences.includes(payload.aud.replace(/\/$/, ''))) {
    return { ok: false, code: 700212, message: `No matching federated identity record found for presented assertion audience '${String(payload.aud)}'.` };
  }
  if (payload.iss !== clientId || payload.sub !== clientId) {
    return { ok: false, code: 700021, message: 'Client assertion application identifier doesn\'t match \'client_id\' parameter.' };
  }
  return { ok: true };
}
