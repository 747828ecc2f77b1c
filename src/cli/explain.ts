// Plain-words explanations for the setup mistakes `check` and the summary meet most (see
// management-api.md §8 items 1, 23-25): audit log off, ids swapped, secret id instead of value,
// wrong cloud, missing permissions. Input is an error; output never contains secrets.

import { ApiError, AuthError, O365AuditError } from '../errors.js';
import type { CloudName } from '../auth/clouds.js';
import { scrub } from '../logging/redact.js';

export interface Explanation {
  /** One line: what failed. */
  what: string;
  /** What to do, in plain words (may be several sentences). */
  advice: string[];
}

const OTHER_CLOUD: Record<CloudName, string> = {
  commercial: 'if this tenant lives in GCC High or DoD, set `cloud: gcc-high` or `cloud: dod` (login host login.microsoftonline.us); for GCC set `cloud: gcc`',
  gcc: 'if this tenant lives in GCC High or DoD, set `cloud: gcc-high` or `cloud: dod`',
  'gcc-high': 'if this tenant is a commercial or GCC tenant, set `cloud: commercial` or `cloud: gcc` (login host login.microsoftonline.com); a DoD tenant needs `cloud: dod`',
  dod: 'if this tenant is a commercial or GCC tenant, set `cloud: commercial` or `cloud: gcc`; a GCC High tenant needs `cloud: gcc-high`',
};

/** The unified audit log is off (or still being provisioned): Microsoft says "Tenant <guid> does not exist". */
export function isAuditLogDisabled(err: unknown): boolean {
  return err instanceof Error && /Tenant\s+\S+\s+does not exist\.?(?!\s*or has been deleted)/i.test(err.message) && !/AF20011/.test(err.message);
}

export function explainError(err: unknown, cloud: CloudName): Explanation {
  const message = scrub(err instanceof Error ? err.message : String(err));
  if (err instanceof AuthError) {
    const aadsts = typeof err.context.aadsts === 'string' ? err.context.aadsts : undefined;
    const advice: string[] = [];
    switch (aadsts) {
      case 'AADSTS7000215':
        advice.push('The client secret is wrong. Entra shows two strings for a secret: the "Secret ID" (a GUID) and the "Value" (shown only once, right after creation). client_secret must be the Value. If you no longer have it, create a new secret.');
        break;
      case 'AADSTS7000222':
        advice.push('The client secret has expired: create a new one in the app registration (Certificates & secrets) and update the config.');
        break;
      case 'AADSTS700016':
        advice.push('Entra does not know this client_id in this tenant. Check that tenant_id is the Directory (tenant) ID and client_id the Application (client) ID (they are easy to swap), and that an admin consented to the app in this tenant.');
        advice.push(OTHER_CLOUD[cloud]);
        break;
      case 'AADSTS90002':
      case 'AADSTS900023':
        advice.push('Entra does not know this tenant_id. Use the Directory (tenant) ID GUID from the Entra admin center, Overview page.');
        advice.push(OTHER_CLOUD[cloud]);
        break;
      case 'AADSTS500011':
      case 'AADSTS70011':
        advice.push('The API resource does not match the login host: the cloud setting is probably wrong.');
        advice.push(OTHER_CLOUD[cloud]);
        break;
      case 'AADSTS700027':
        advice.push('The certificate was rejected: upload this certificate (public part) to the app registration, check the thumbprint, and check the machine clock.');
        break;
      case 'AADSTS65001':
        advice.push('Admin consent is missing: in the app registration, API permissions, click "Grant admin consent".');
        break;
      default: {
        const hint = typeof err.context.hint === 'string' ? err.context.hint : undefined;
        if (hint) advice.push(hint);
        else if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|certificate|self.signed/i.test(message)) {
          advice.push('The login host could not be reached: check DNS, the firewall, `proxy` and `ca_file`.');
        }
      }
    }
    return { what: `getting a token failed: ${message}`, advice };
  }
  if (isAuditLogDisabled(err)) {
    return {
      what: 'the unified audit log is not enabled for this tenant (Microsoft answers "Tenant ... does not exist")',
      advice: [
        'Turn on auditing in the Microsoft Purview portal (Audit, "Start recording user and admin activity"), or run `Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true` in Exchange Online PowerShell.',
        'It takes about 1-2 hours to take effect; then run check again.',
      ],
    };
  }
  if (err instanceof ApiError) {
    const advice: string[] = [];
    if (err.afCode === 'AF20010' || err.afCode === 'AF20013' || err.afCode === 'AF20011') {
      advice.push('The token was issued for a different tenant than the one in the URL: tenant_id must be the Directory (tenant) ID GUID, not the client id and not a domain.');
    } else if (err.afCode === 'AF10001' || err.status === 401) {
      advice.push('The app lacks a permission: add the Office 365 Management APIs *application* permissions ActivityFeed.Read (and ActivityFeed.ReadDlp for DLP.All), then grant admin consent. Remove delegated rows for the same permissions.');
    } else if (err.afCode === 'AF429' || err.status === 429) {
      advice.push('Throttled: set publisher_identifier to your organisation\'s tenant GUID and lower blob_concurrency.');
    }
    if (err.hint && !advice.includes(err.hint)) advice.push(err.hint);
    return { what: `the API refused: ${message}`, advice };
  }
  const code = err instanceof O365AuditError ? ` [${err.code}]` : '';
  return { what: `${message}${code}`, advice: [] };
}
