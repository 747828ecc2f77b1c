// The Entra login endpoint: OpenID discovery (v1 and v2), JWKS, and the client-credentials token
// endpoints (v2 `scope=`, v1 `resource=`) with secret, Basic or certificate-assertion credentials.
// Errors use Entra's JSON shape and real AADSTS codes.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAssertion } from './assertion.js';
import { type SimContext, type TenantState, allowedResources } from './context.js';
import { readBody, sendJson } from './http.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function entraError(ctx: SimContext, res: ServerResponse, status: number, error: string, code: number, text: string): void {
  ctx.stats.raw.tokenErrors++;
  const trace = randomUUID();
  const corr = randomUUID();
  const ts = new Date(ctx.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  sendJson(
    res,
    status,
    JSON.stringify({
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${trace} Correlation ID: ${corr} Timestamp: ${ts}`,
      error_codes: [code],
      timestamp: ts,
      trace_id: trace,
      correlation_id: corr,
      error_uri: `${ctx.loginUrl}/error?code=${code}`,
    }),
  );
}

function tenantNotFound(ctx: SimContext, res: ServerResponse, name: string): void {
  entraError(ctx, res, 400, 'invalid_request', 90002, `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
}

function discovery(ctx: SimContext, t: TenantState, v2: boolean): string {
  const base = `${ctx.loginUrl}/${t.pub.tenantId}`;
  const p = v2 ? '/v2.0' : '';
  return JSON.stringify({
    token_endpoint: `${base}/oauth2${p}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery${p}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${t.pub.tenantId}/`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2${p}/authorize`,
    device_authorization_endpoint: `${base}/oauth2${p}/devicecode`,
    end_session_endpoint: `${base}/oauth2${p}/logout`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  });
}

/** Handles `/{tenant}/...` login paths; returns false when the path is not a login path. */
export async function handleLogin(ctx: SimContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery(?:\/v2\.0)?\/keys|oauth2\/v2\.0\/token|oauth2\/token)$/.exec(path);
  if (m === null) return false;
  const name = decodeURIComponent(m[1] as string);
  const op = m[2] as string;
  const t = ctx.byLoginName.get(name.toLowerCase());
  if (op.includes('openid-configuration')) {
    ctx.stats.route('oidc');
    if (req.method !== 'GET') return sendJson(res, 405, '{}'), true;
    if (t === undefined) return tenantNotFound(ctx, res, name), true;
    sendJson(res, 200, discovery(ctx, t, op.startsWith('v2.0')));
    return true;
  }
  if (op.includes('keys')) {
    ctx.stats.route('jwks');
    sendJson(res, 200, JSON.stringify(ctx.tokens.jwks()));
    return true;
  }
  ctx.stats.route('token');
  if (req.method !== 'POST') return entraError(ctx, res, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.'), true;
  const form = new URLSearchParams(await readBody(req));
  if (t === undefined) return tenantNotFound(ctx, res, name), true;
  await issueToken(ctx, req, res, t, form, op === 'oauth2/v2.0/token', name);
  return true;
}

async function issueToken(ctx: SimContext, req: IncomingMessage, res: ServerResponse, t: TenantState, form: URLSearchParams, v2: boolean, pathName: string): Promise<void> {
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    return entraError(ctx, res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
  }
  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic !== null) {
    const [id, ...rest] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
    clientId ??= decodeURIComponent(id ?? '');
    secret ??= decodeURIComponent(rest.join(':'));
  }
  if (clientId === null || clientId === '') {
    return entraError(ctx, res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  if (clientId.toLowerCase() !== t.pub.clientId) {
    return entraError(ctx, res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${pathName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      return entraError(ctx, res, 400, 'invalid_request', 700023, `Invalid client assertion type. The only supported type is '${JWT_BEARER}'.`);
    }
    const cert = t.pub.certificate;
    if (cert === undefined) {
      return entraError(ctx, res, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. [Reason - The key was not found.]');
    }
    const auds: string[] = [];
    for (const seg of [t.pub.tenantId, t.pub.domain, pathName]) auds.push(`${ctx.loginUrl}/${seg}/oauth2/v2.0/token`, `${ctx.loginUrl}/${seg}/oauth2/token`);
    const check = checkAssertion(assertion, cert, t.pub.clientId, auds, Date.now());
    if (!check.ok) return entraError(ctx, res, 401, 'invalid_client', check.code, check.message);
  } else if (secret === null || secret === '') {
    return entraError(ctx, res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  } else if (secret !== t.pub.clientSecret) {
    return entraError(ctx, res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${t.pub.clientId}'.`);
  }
  const allowed = allowedResources(ctx);
  let resource: string;
  if (v2) {
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') return entraError(ctx, res, 400, 'invalid_request', 90014, "The required field 'scope' is missing from the credential.");
    const scopes = scope.trim().split(/\s+/);
    const only = scopes[0] as string;
    if (scopes.length !== 1 || !only.endsWith('/.default') || !allowed.has(only.slice(0, -'/.default'.length))) {
      return entraError(ctx, res, 400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
    }
    resource = only.slice(0, -'/.default'.length);
  } else {
    const r = (form.get('resource') ?? '').replace(/\/$/, '');
    if (r === '') return entraError(ctx, res, 400, 'invalid_request', 90014, "The required field 'resource' is missing from the credential.");
    if (!allowed.has(r)) return entraError(ctx, res, 400, 'invalid_resource', 500011, `The resource principal named ${r} was not found in the tenant named ${pathName}.`);
    resource = r;
  }
  const now = Math.floor(ctx.now() / 1000);
  const lifetime = ctx.faults.tokenLifetime(ctx.opts.tokenLifetimeSeconds);
  const roles = t.readDlp ? ['ActivityFeed.Read', 'ActivityFeed.ReadDlp', 'ServiceHealth.Read'] : ['ActivityFeed.Read', 'ServiceHealth.Read'];
  const token = ctx.tokens.issue({ aud: resource, iss: `https://sts.windows.net/${t.pub.tenantId}/`, tid: t.pub.tenantId, appid: t.pub.clientId, roles, iat: now, nbf: now, exp: now + lifetime });
  ctx.stats.raw.tokensIssued++;
  const body = v2
    ? { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token }
    : // v1 sends the numbers as strings (management-api.md §1.3).
      { token_type: 'Bearer', expires_in: String(lifetime), ext_expires_in: String(lifetime), expires_on: String(now + lifetime), not_before: String(now), resource, access_token: token };
  sendJson(res, 200, JSON.stringify(body), { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
}
