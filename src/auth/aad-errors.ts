// Entra (AADSTS) token errors → AuthError with a plain-words hint. The codes are the ones users hit
// while setting up a collector (management-api.md §1, wazuh/wazuh#27069); anything else keeps
// Entra's own first sentence. Never includes the secret, the assertion or a token.

import { AuthError } from '../errors.js';
import { redactSecrets } from '../logging/redact.js';

interface AadHint {
  hint: string;
  retryable?: boolean;
}

const AADSTS_HINTS: Readonly<Record<string, AadHint>> = Object.freeze({
  AADSTS7000215: { hint: 'invalid client secret: use the secret VALUE shown once at creation; you may have used the secret ID instead of its value' },
  AADSTS7000222: { hint: 'the client secret has expired: create a new secret in the app registration and update the configuration' },
  AADSTS700016: {
    hint: 'application not found in this tenant: client_id and tenant_id may be swapped, admin consent may be missing in this tenant, or the app is registered in another cloud (commercial vs US Government)',
  },
  AADSTS90002: { hint: 'tenant not found: check tenant_id (the directory GUID) and that the cloud setting matches the tenant' },
  AADSTS900023: { hint: 'tenant_id is not a valid tenant GUID or domain: check for typos, extra spaces or quotes' },
  AADSTS70011: { hint: 'invalid scope: the scope must be the API resource of the configured cloud followed by /.default (e.g. https://manage.office.com/.default)' },
  AADSTS700027: { hint: 'the certificate assertion was rejected: upload this certificate to the app registration, and check the thumbprint and the machine clock' },
  AADSTS700024: { hint: 'the client assertion is outside its validity window: the machine clock is probably wrong' },
  AADSTS50011: { hint: 'redirect URI mismatch: not expected with client credentials; check the app type' },
  AADSTS65001: { hint: 'admin consent has not been granted for the API permissions: grant admin consent in the app registration' },
  AADSTS7000112: { hint: 'the application is disabled in this tenant: re-enable the enterprise application' },
  AADSTS500011: { hint: 'the API resource was not found in this tenant: check the cloud setting, or that the Office 365 Management APIs service principal exists' },
  AADSTS50076: { hint: 'a Conditional Access policy requires MFA: exclude this workload identity from the policy' },
  AADSTS53003: { hint: 'blocked by a Conditional Access policy: exclude this workload identity from the policy' },
  AADSTS90014: { hint: 'a required field is missing from the token request: check client_id and the credential' },
});

/** Extracts `AADSTSnnnn` from an Entra message or error number. */
export function aadstsCode(message: string | undefined, errorNo?: string | number): string | undefined {
  const m = /AADSTS(\d{4,7})/.exec(message ?? '');
  if (m) return `AADSTS${m[1]}`;
  if (errorNo !== undefined && /^\d{4,7}$/.test(String(errorNo))) return `AADSTS${String(errorNo)}`;
  return undefined;
}

export function aadstsHint(code: string | undefined): string | undefined {
  return code === undefined ? undefined : AADSTS_HINTS[code]?.hint;
}

/** Entra's first sentence, without trace/correlation ids and never longer than 240 chars. */
function firstSentence(message: string | undefined): string {
  if (message === undefined) return '';
  const first = message.split(/\r?\n|Trace ID:/)[0] ?? '';
  return redactSecrets(first.trim()).slice(0, 240);
}

export interface TokenErrorInfo {
  /** OAuth `error` (invalid_client...). */
  errorCode?: string;
  /** Entra `error_description` or MSAL's errorMessage. */
  description?: string;
  errorNo?: string | number;
  status?: number;
  loginHost: string;
  tenantId: string;
  clientId: string;
}

export function tokenError(info: TokenErrorInfo, cause?: unknown): AuthError {
  const aadsts = aadstsCode(info.description, info.errorNo);
  const hint = aadstsHint(aadsts);
  const what = [aadsts, info.errorCode].filter(Boolean).join(' ');
  const detail = hint ?? (firstSentence(info.description) || 'no details from Entra');
  // 5xx and throttling from Entra are transient; configuration errors are not.
  const retryable = (info.status !== undefined && (info.status >= 500 || info.status === 429)) || info.errorCode === 'temporarily_unavailable';
  return new AuthError(`token request for tenant ${info.tenantId} to ${info.loginHost} failed${what ? ` (${what})` : ''}: ${detail}`, {
    retryable,
    cause,
    context: { aadsts, oauthError: info.errorCode, status: info.status, loginHost: info.loginHost, tenantId: info.tenantId, clientId: info.clientId, hint },
  });
}
