// Token lifetimes as the login host states them (`expires_in`, seconds) are clamped before MSAL or
// our cache see them. A lifetime of 0, below 0 or not a number would make every API call ask for a
// new token first; a huge one would keep a token long after Entra stopped accepting it (the 401
// path then renews it, one failed call per expiry). Entra issues 60-90 minute tokens.

/** Lifetime assumed when the stated one is not a positive number: renewed at half-life, so at most one token request per 30 s. */
export const MIN_TOKEN_LIFETIME_S = 60;
/** Longest lifetime believed (Entra's configurable maximum was 1 day). */
export const MAX_TOKEN_LIFETIME_S = 24 * 60 * 60;

/** The lifetime to use for a stated `expires_in` (a number or a numeric string, as some IdPs send). */
export function clampTokenLifetime(stated: unknown): number {
  const n = typeof stated === 'number' ? stated : typeof stated === 'string' && stated.trim() !== '' ? Number(stated) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return MIN_TOKEN_LIFETIME_S;
  return Math.min(n, MAX_TOKEN_LIFETIME_S);
}

/**
 * Rewrites `expires_in` (and `ext_expires_in`, `refresh_in`) of a token response in place when it
 * is not usable; returns what was stated when it changed something, for a warning.
 */
export function sanitizeTokenResponse(body: unknown): { stated: unknown; used: number } | undefined {
  if (typeof body !== 'object' || body === null || !('access_token' in body)) return undefined;
  const b = body as Record<string, unknown>;
  const stated = b.expires_in;
  const used = clampTokenLifetime(stated);
  for (const k of ['ext_expires_in', 'refresh_in']) {
    if (k in b) b[k] = Math.min(clampTokenLifetime(b[k]), used);
  }
  if (stated === used) return undefined;
  b.expires_in = used;
  return { stated, used };
}
