// Management Activity API error codes (management-api.md §5.2): whether a request may be retried
// and what the user should do, in plain words. Unknown codes: AF5xxxx retry, AF2xxxx do not (§8.30).

export interface AfCodeInfo {
  retryable: boolean;
  hint: string;
}

const TENANT_ID_HINT = 'tenant_id must be the directory (tenant) GUID the token was issued for; it may be swapped with client_id';

export const AF_CODES: Readonly<Record<string, AfCodeInfo>> = Object.freeze({
  AF10001: { retryable: false, hint: 'the app lacks the ActivityFeed.Read Application permission (or admin consent): add it under "Office 365 Management APIs" and grant admin consent' },
  AF20001: { retryable: false, hint: 'a required parameter is missing (a bug in this collector: please report it)' },
  AF20002: { retryable: false, hint: 'a parameter has the wrong type (a bug in this collector: please report it)' },
  AF20003: { retryable: false, hint: 'the webhook expiration is in the past' },
  AF20010: { retryable: false, hint: `the tenant in the URL differs from the token's tenant: ${TENANT_ID_HINT}` },
  AF20011: { retryable: false, hint: 'the tenant does not exist or was deleted: check tenant_id' },
  AF20012: { retryable: false, hint: 'the tenant is misconfigured in the Management Activity service: open a Microsoft support ticket' },
  AF20013: { retryable: false, hint: `the tenant id in the URL is not a valid GUID (a domain name is not accepted here): ${TENANT_ID_HINT}` },
  AF20020: { retryable: false, hint: 'invalid content type: use Audit.AzureActiveDirectory, Audit.Exchange, Audit.SharePoint, Audit.General or DLP.All' },
  AF20021: { retryable: false, hint: 'the webhook could not be validated: the listener must answer HTTP 200 over HTTPS' },
  AF20022: { retryable: false, hint: 'subscription missing: starting it (data can take up to 12 h to appear after a first start)' },
  AF20023: { retryable: false, hint: 'subscription disabled (by an admin or the service): starting it; content from the disabled period is lost' },
  AF20024: { retryable: false, hint: 'the subscription is already enabled (treated as success)' },
  AF20030: { retryable: false, hint: 'invalid time window (both or neither, at most 24 h, start within 7 days): check the machine clock' },
  AF20031: { retryable: false, hint: 'invalid next-page value: the listing of this window restarts from its first page' },
  AF20050: { retryable: false, hint: 'the content blob does not exist: counted as lost' },
  AF20051: { retryable: false, hint: 'the content blob has expired (older than 7 days): counted as lost' },
  AF20052: { retryable: false, hint: 'the content id in the URL is invalid: counted as lost (possible URL mangling)' },
  AF20053: { retryable: false, hint: 'more than one language in Accept-Language (a bug in this collector)' },
  AF20054: { retryable: false, hint: 'invalid Accept-Language syntax (a bug in this collector)' },
  AF20055: { retryable: false, hint: 'invalid time window (start must be before end, at most 24 h, within 7 days): check the machine clock' },
  AF429: { retryable: true, hint: 'throttled by Microsoft: backing off (make sure publisher_id is set to your tenant GUID)' },
  AF50000: { retryable: true, hint: 'internal error at Microsoft: retrying' },
  AF50005: { retryable: true, hint: 'internal error at Microsoft: retrying' },
  AF50006: { retryable: true, hint: 'internal error at Microsoft: retrying' },
});

/** Lost-blob codes: the collector counts the blob as lost and moves on. */
export const LOST_BLOB_CODES: ReadonlySet<string> = new Set(['AF20050', 'AF20051', 'AF20052']);

export const AUDIT_LOG_DISABLED_HINT =
  'unified audit logging is not enabled for this tenant (Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true); it takes up to 1–2 h to apply';

export const DLP_PERMISSION_HINT = 'grant ActivityFeed.ReadDlp (Application permission) and admin consent';

/** Known or inferred info for any AF code; undefined for non-AF codes. */
export function afCodeInfo(code: string | undefined): AfCodeInfo | undefined {
  if (code === undefined || !/^AF\d+$/.test(code)) return undefined;
  const known = AF_CODES[code];
  if (known !== undefined) return known;
  if (/^AF5\d{4}$/.test(code)) return { retryable: true, hint: `undocumented server-side error ${code}: retrying` };
  if (/^AF2\d{4}$/.test(code)) return { retryable: false, hint: `undocumented request error ${code}: not retried` };
  return { retryable: false, hint: `undocumented error ${code}` };
}
