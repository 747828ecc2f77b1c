// subscriptions/list, start and stop, resources/dlpSensitiveTypes, and the content-type and
// subscription gates the listing and blob routes share.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ApiRequest } from './api-guard.js';
import type { SimContext } from './context.js';
import { sendAfError, sendJson } from './http.js';
import { SENSITIVE_TYPES } from './records/index.js';
import { CONTENT_TYPES, type ContentType } from './types.js';

export function contentTypeParam(res: ServerResponse, api: ApiRequest): ContentType | undefined {
  const raw = api.query.get('contentType');
  if (raw === null || raw === '') {
    sendAfError(res, 400, 'AF20001', 'A required parameter is missing: contentType.');
    return undefined;
  }
  const ct = CONTENT_TYPES.find((c) => c.toLowerCase() === raw.toLowerCase());
  if (ct === undefined) sendAfError(res, 400, 'AF20020', `The specified content type is not valid: ${raw}.`);
  return ct;
}

/** DLP permission and subscription state; answers and returns false when the call may not go on. */
export function gate(ctx: SimContext, res: ServerResponse, api: ApiRequest, ct: ContentType): boolean {
  if (ct === 'DLP.All' && !api.claims.roles.includes('ActivityFeed.ReadDlp')) {
    ctx.stats.raw.unauthorized++;
    sendAfError(res, 401, 'AF10001', `The permission set (${api.claims.roles.join(',')}) sent in the request does not include the expected permission ActivityFeed.ReadDlp.`);
    return false;
  }
  const sub = api.tenant.subs.get(ct);
  if (sub === undefined) {
    sendAfError(res, 400, 'AF20022', 'No subscription found for the specified content type.');
    return false;
  }
  if (sub.status !== 'enabled') {
    sendAfError(res, 400, 'AF20023', 'The subscription was disabled by the tenant administrator or by a service administrator.');
    return false;
  }
  return true;
}

function entry(ct: string, status: string): string {
  return `{"contentType":"${ct}","status":"${status}","webhook":null}`;
}

export function listSubscriptions(res: ServerResponse, api: ApiRequest): void {
  const items = [...api.tenant.subs].map(([ct, s]) => entry(ct, s.status));
  sendJson(res, 200, `[${items.join(',')}]`);
}

export function startSubscription(ctx: SimContext, res: ServerResponse, api: ApiRequest): void {
  const ct = contentTypeParam(res, api);
  if (ct === undefined) return;
  const t = api.tenant;
  ctx.stats.start(t.pub.tenantId, ct);
  if (ct === 'DLP.All' && !api.claims.roles.includes('ActivityFeed.ReadDlp')) {
    ctx.stats.raw.unauthorized++;
    return sendAfError(res, 401, 'AF10001', `The permission set (${api.claims.roles.join(',')}) sent in the request does not include the expected permission ActivityFeed.ReadDlp.`);
  }
  if (t.auditDisabled) {
    // Observed shape (management-api.md §3.1): a non-AF diagnostic in error.code.
    const pid = api.publisherId ?? '00000000-0000-0000-0000-000000000000';
    return sendAfError(
      res,
      400,
      `StartSubscription [CorrId=${randomUUID()}][TenantId=${t.pub.tenantId},ContentType=${ct},ApplicationId=${api.claims.appid},PublisherId=${pid}][AppId`,
      `=${api.claims.appid}] failed. Exception: Microsoft.Office.Compliance.Audit.DataServiceException: Tenant ${t.pub.tenantId} does not exist.\r\n   at Microsoft.Office.Compliance.Audit.API.AuditApiDataServiceClient.StartSubscription(Guid tenantId, String contentType)`,
    );
  }
  const now = ctx.now();
  const sub = t.subs.get(ct);
  if (sub?.lastStart !== undefined && now - sub.lastStart < ctx.opts.startCooldownMs) {
    ctx.stats.raw.throttles++;
    return sendAfError(res, 429, 'AF429', 'Too many frequent subscription start requests. Wait 15 minutes between start requests.');
  }
  if (sub?.status === 'enabled') return sendAfError(res, 400, 'AF20024', 'The subscription is already enabled. No property change.');
  t.subs.set(ct, { status: 'enabled', lastStart: now });
  sendJson(res, 200, entry(ct, 'enabled'));
}

export function stopSubscription(res: ServerResponse, api: ApiRequest): void {
  const ct = contentTypeParam(res, api);
  if (ct === undefined) return;
  const sub = api.tenant.subs.get(ct);
  if (sub === undefined) return sendAfError(res, 400, 'AF20022', 'No subscription found for the specified content type.');
  sub.status = 'disabled';
  res.writeHead(200, { 'Content-Length': '0' });
  res.end();
}

export function dlpSensitiveTypes(res: ServerResponse, acceptLanguage: string | undefined): void {
  if (acceptLanguage !== undefined && acceptLanguage.trim() !== '') {
    const v = acceptLanguage.trim();
    if (v.includes(',')) return sendAfError(res, 400, 'AF20053', 'More than one language was specified in the Accept-Language header.');
    if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(v)) return sendAfError(res, 400, 'AF20054', `The Accept-Language header value is invalid: ${v}.`);
  }
  sendJson(res, 200, JSON.stringify(SENSITIVE_TYPES.map((s) => ({ id: s.id, name: s.name.replace(/[^A-Za-z0-9]/g, '') }))));
}
