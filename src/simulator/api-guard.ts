// Checks every API call passes before its route runs: PublisherIdentifier accounting, bearer token
// (signature, expiry, tenant), then the transient faults drawn for this request key.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext, TenantState } from './context.js';
import type { TransientFault } from './faults.js';
import { GUID_RE, sendAfError } from './http.js';
import type { TokenClaims } from './tokens.js';

export interface ApiRequest {
  tenant: TenantState;
  claims: TokenClaims;
  query: URLSearchParams;
  publisherId: string | undefined;
}

export function publisherOf(query: URLSearchParams): string | undefined {
  for (const [k, v] of query) if (k.toLowerCase() === 'publisheridentifier') return v;
  return undefined;
}

function unauthorized(ctx: SimContext, res: ServerResponse, code: string, message: string): void {
  ctx.stats.raw.unauthorized++;
  sendAfError(res, 401, code, message, { 'WWW-Authenticate': 'Bearer' });
}

/** Authenticates the call for the tenant in the URL; answers and returns undefined on failure. */
export function guard(ctx: SimContext, req: IncomingMessage, res: ServerResponse, tenantSeg: string, query: URLSearchParams): ApiRequest | undefined {
  const publisherId = publisherOf(query);
  if (publisherId === undefined) ctx.stats.raw.withoutPublisherIdentifier++;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (m === null) {
    unauthorized(ctx, res, 'InvalidAuthenticationToken', 'Authorization has been denied for this request: the bearer token is missing.');
    return undefined;
  }
  const check = ctx.tokens.check(m[1] as string, ctx.now());
  if (!check.ok) {
    unauthorized(ctx, res, 'InvalidAuthenticationToken', check.reason === 'expired' ? 'Authorization has been denied for this request: the access token has expired.' : 'Authorization has been denied for this request: the access token is invalid.');
    return undefined;
  }
  if (!GUID_RE.test(tenantSeg)) {
    sendAfError(res, 400, 'AF20013', `Tenant ${tenantSeg} in the request URL is not a valid GUID.`);
    return undefined;
  }
  const tenantId = tenantSeg.toLowerCase();
  if (check.claims.tid !== tenantId) {
    unauthorized(ctx, res, 'AF20010', `The tenant ID (${tenantId}) in the request URL does not match the tenant ID (${check.claims.tid}) in the OAuth token.`);
    return undefined;
  }
  const tenant = ctx.byId.get(tenantId);
  if (tenant === undefined) {
    sendAfError(res, 400, 'AF20011', `Tenant ${tenantId} does not exist or has been deleted.`);
    return undefined;
  }
  if (!check.claims.roles.includes('ActivityFeed.Read')) {
    unauthorized(ctx, res, 'AF10001', `The permission set (${check.claims.roles.join(',')}) sent in the request does not include the expected permission ActivityFeed.Read.`);
    return undefined;
  }
  return { tenant, claims: check.claims, query, publisherId };
}

export const LIST_FAULTS: readonly TransientFault[] = ['throttle403', 'throttle429', 'serverError', 'unknownAf5'];
export const BLOB_FAULTS: readonly TransientFault[] = ['throttle403', 'throttle429', 'serverError', 'unknownAf5', 'cutBody'];

/**
 * Draws the transient faults for this request; answers the request when one fires (except
 * `cutBody`, which the caller carries out). Delays first when `slow` hits.
 */
export async function applyFaults(ctx: SimContext, res: ServerResponse, key: string, order: readonly TransientFault[], api: ApiRequest, method: string): Promise<'served' | 'cut' | 'none'> {
  if (ctx.faults.draw(`${key}|slow`, ['slow']) === 'slow') {
    ctx.stats.raw.slowed++;
    await new Promise((r) => setTimeout(r, ctx.faults.slowDelayMs()));
  }
  const f = ctx.faults.draw(key, order);
  switch (f) {
    case 'throttle403':
      ctx.stats.raw.throttles++;
      sendAfError(res, 403, 'AF429', `Too many requests. Method=${method}, PublisherId=${api.publisherId ?? '00000000-0000-0000-0000-000000000000'}`);
      return 'served';
    case 'throttle429':
      ctx.stats.raw.throttles++;
      sendAfError(res, 429, 'AF429', `Too many requests. Method=${method}, PublisherId=${api.publisherId ?? '00000000-0000-0000-0000-000000000000'}`, { 'Retry-After': String(ctx.faults.retryAfterSeconds()) });
      return 'served';
    case 'serverError':
      ctx.stats.raw.serverErrors++;
      if (ctx.faults.detail(key, 0x503) < 0.5) sendAfError(res, 500, 'AF50000', 'An internal error occurred. Retry the request.');
      else sendAfError(res, 503, 'AF50000', 'The service is temporarily unavailable. Retry the request.');
      return 'served';
    case 'unknownAf5':
      ctx.stats.raw.serverErrors++;
      sendAfError(res, 500, 'AF50006', 'An internal error occurred. Retry the request.');
      return 'served';
    case 'cutBody':
      return 'cut';
    default:
      return 'none';
  }
}
