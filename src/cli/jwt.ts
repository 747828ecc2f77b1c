// Reads the claims of an access token (a JWT) without verifying it: `check` only needs `roles`,
// `tid` and `aud` to explain permission problems. The token itself is never printed or logged.

export interface TokenClaims {
  roles: string[];
  tid?: string;
  aud?: string;
  appid?: string;
  /** Delegated tokens carry `scp`; app-only tokens for this API must not. */
  scp?: string;
  exp?: number;
}

export function decodeJwtClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : undefined);
    return {
      roles,
      tid: str('tid'),
      aud: str('aud'),
      appid: str('appid') ?? str('azp'),
      scp: str('scp'),
      exp: typeof payload.exp === 'number' ? payload.exp : undefined,
    };
  } catch {
    return undefined;
  }
}
