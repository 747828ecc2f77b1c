// Access tokens: ES256 JWTs signed by a per-simulator key (published at jwks_uri), checked on every
// API call against the simulator clock. Verified tokens are cached, so the API path costs a lookup.

import { type KeyObject, createHash, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';

export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  roles: string[];
  iat: number;
  nbf: number;
  exp: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export class TokenAuthority {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid: string;
  private readonly cache = new Map<string, TokenClaims>();

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.kid = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 27);
  }

  jwks(): object {
    return { keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'ES256' }] };
  }

  issue(claims: TokenClaims): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid: this.kid }));
    const payload = b64url(JSON.stringify({ ...claims, ver: '1.0', idtyp: 'app', oid: randomUUID(), uti: randomUUID().replace(/-/g, '') }));
    const sig = sign('sha256', Buffer.from(`${header}.${payload}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${b64url(sig)}`;
  }

  check(token: string, nowMs: number): TokenCheck {
    let claims = this.cache.get(token);
    if (claims === undefined) {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, reason: 'malformed' };
      const [h, p, s] = parts as [string, string, string];
      let ok = false;
      try {
        ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
      } catch {
        ok = false;
      }
      if (!ok) return { ok: false, reason: 'signature' };
      try {
        claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }
}
