import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../collector/types.js';
import { ApiError, AuthError } from '../errors.js';
import { explainError, isAuditLogDisabled } from './explain.js';
import { decodeJwtClaims } from './jwt.js';
import { formatSummary, summaryFields } from './summary.js';

function jwt(payload: object): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'none' })}.${b(payload)}.sig`;
}

describe('decodeJwtClaims', () => {
  it('reads roles, tid and aud; a non-JWT gives undefined', () => {
    expect(decodeJwtClaims(jwt({ roles: ['ActivityFeed.Read'], tid: 't', aud: 'https://manage.office.com' }))).toMatchObject({ roles: ['ActivityFeed.Read'], tid: 't', aud: 'https://manage.office.com' });
    expect(decodeJwtClaims(jwt({ scp: 'x' }))?.roles).toEqual([]);
    expect(decodeJwtClaims('opaque-token')).toBeUndefined();
  });
});

describe('explainError', () => {
  it('turns AADSTS7000215 into the secret ID vs value advice', () => {
    const e = explainError(new AuthError('failed (AADSTS7000215 invalid_client)', { context: { aadsts: 'AADSTS7000215' } }), 'commercial');
    expect(e.advice.join(' ')).toMatch(/Secret ID.*Value/);
  });

  it('suggests the other clouds when the tenant or app is unknown', () => {
    expect(explainError(new AuthError('x', { context: { aadsts: 'AADSTS90002' } }), 'commercial').advice.join(' ')).toMatch(/gcc-high/);
    expect(explainError(new AuthError('x', { context: { aadsts: 'AADSTS700016' } }), 'gcc-high').advice.join(' ')).toMatch(/cloud: commercial/);
  });

  it('recognises a disabled audit log, but not AF20011 (a deleted or wrong tenant)', () => {
    const off = new ApiError('StartSubscription [CorrId=1] failed. Exception: DataServiceException: Tenant 1234 does not exist.', 400, undefined);
    expect(isAuditLogDisabled(off)).toBe(true);
    expect(explainError(off, 'commercial').what).toMatch(/unified audit log is not enabled/);
    expect(isAuditLogDisabled(new ApiError('AF20011: Tenant 1234 does not exist or has been deleted.', 400, 'AF20011'))).toBe(false);
  });

  it('explains a missing permission (AF10001)', () => {
    expect(explainError(new ApiError('no ReadDlp', 401, 'AF10001'), 'commercial').advice.join(' ')).toMatch(/ActivityFeed\.ReadDlp/);
  });
});

describe('formatSummary', () => {
  it('prints totals and names each failing stream with its codes and hint', () => {
    const summary: RunSummary = {
      records: 10, blobs: 2, retries: 3, throttles: 1, refusedUrls: 1, lostBlobs: 0, lostSpans: 0, duplicatesDropped: 4, quarantinedBlobs: 1, quarantinedRecords: 2, failedStreams: 1, durationMs: 1500, clockSkews: [],
      streams: [
        { tenantId: 't1', label: 'contoso', contentType: 'Audit.Exchange', records: 10, blobs: 2, blobsListed: 2, duplicatesDropped: 4, lostBlobs: 0, quarantinedBlobs: 1, quarantinedRecords: 2, lostSpanMs: 0, caughtUp: true },
        { tenantId: 't1', label: 'contoso', contentType: 'DLP.All', records: 0, blobs: 0, blobsListed: 0, duplicatesDropped: 0, lostBlobs: 0, quarantinedBlobs: 0, quarantinedRecords: 0, lostSpanMs: 0, caughtUp: false, error: { code: 'O365_ERR_API', message: 'denied', afCode: 'AF10001', hint: 'add ActivityFeed.ReadDlp' } },
      ],
    };
    const text = formatSummary(summary);
    expect(text).toMatch(/finished with 1 failing stream/);
    expect(text).toMatch(/records 10, blobs 2, retries 3, throttles 1, refused URLs 1, spans lost to expiry 0, blobs lost 0, duplicates dropped 4/);
    expect(text).toMatch(/contoso \/ DLP\.All .*FAILED \[O365_ERR_API AF10001\] denied/);
    expect(text).toMatch(/hint: add ActivityFeed\.ReadDlp/);
    expect(text).toMatch(/contoso \/ Audit\.Exchange .*quarantined blobs 1, quarantined records 2.*ok/);
    expect(text).toMatch(/quarantined blobs 1, quarantined records 2\n/);
    expect(text).toMatch(/o365-audit replay --config FILE/);
    expect(text).not.toMatch(/CLOCK SKEW/);
  });

  it('reports a clock skew per tenant and per stream, with what to do', () => {
    const summary: RunSummary = {
      records: 1, blobs: 1, retries: 0, throttles: 0, refusedUrls: 0, lostBlobs: 0, lostSpans: 0, duplicatesDropped: 0, quarantinedBlobs: 0, quarantinedRecords: 0, failedStreams: 0, durationMs: 10,
      clockSkews: [{ tenantId: 't1', label: 'contoso', skewMs: 8 * 86_400_000 }],
      streams: [{ tenantId: 't1', label: 'contoso', contentType: 'Audit.Exchange', records: 1, blobs: 1, blobsListed: 1, duplicatesDropped: 0, lostBlobs: 0, quarantinedBlobs: 0, quarantinedRecords: 0, lostSpanMs: 0, caughtUp: true, clockSkewMs: 8 * 86_400_000 }],
    };
    const text = formatSummary(summary);
    expect(text).toMatch(/CLOCK SKEW contoso: the API's Date is \+8d from this machine's clock/);
    expect(text).toMatch(/hint: .*NTP/);
    expect(text).toMatch(/Audit\.Exchange .*clock skew \+8d .*ok/);
    expect(summaryFields(summary).clockSkews).toEqual([{ tenant: 'contoso', skewMs: 8 * 86_400_000 }]);
  });
});
