import { describe, expect, it } from 'vitest';
import { formatApiTime, nextPageUri, parseApiTime, parseDescriptor } from './wire.js';
import { parseRetryAfter } from '../shared/retry.js';
import { afCodeInfo } from './af-codes.js';
import { cloudEndpoints, resolveEndpoints } from '../auth/clouds.js';

describe('wire helpers', () => {
  it('formats windows as YYYY-MM-DDTHH:MM:SS UTC and round-trips through URLSearchParams', () => {
    const t = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    expect(formatApiTime(t)).toBe('2024-01-02T03:04:05');
    const q = new URLSearchParams({ contentType: 'Audit.General', startTime: formatApiTime(t), endTime: formatApiTime(t + 3600_000), PublisherIdentifier: 'p' }).toString();
    expect(q).not.toContain('&amp;');
    expect(new URLSearchParams(q).get('startTime')).toBe('2024-01-02T03:04:05');
    expect(new URLSearchParams(q).get('endTime')).toBe('2024-01-02T04:04:05');
  });

  it('parses descriptor times with ms + Z, and zone-less ones as UTC', () => {
    expect(parseApiTime('2024-03-01T10:15:03.123Z')).toBe(Date.UTC(2024, 2, 1, 10, 15, 3, 123));
    expect(parseApiTime('2024-03-01T10:15:03')).toBe(Date.UTC(2024, 2, 1, 10, 15, 3));
    expect(parseApiTime('2024-03-01T12:15:03+02:00')).toBe(Date.UTC(2024, 2, 1, 10, 15, 3));
    expect(parseApiTime(42)).toBeNaN();
  });

  it('parses descriptors tolerantly', () => {
    const d = parseDescriptor({ contentUri: 'https://h/api/audit/a$b', contentCreated: 'bad' }, 1000);
    expect(d).toEqual({ contentType: '', contentId: 'a$b', contentUri: 'https://h/api/audit/a$b', contentCreated: 1000, contentExpiration: 1000 + 7 * 86400_000 });
    expect(parseDescriptor({ contentId: 'x' }, 0)).toBeUndefined();
    expect(parseDescriptor(null, 0)).toBeUndefined();
  });

  it('finds the next page under either name and any case, trimmed (wazuh#30921)', () => {
    expect(nextPageUri({ nextpageuri: ' https://h/p?n=2\r\n' })).toBe('https://h/p?n=2');
    expect(nextPageUri({ NextPageUrl: 'https://h/p?n=3\t' })).toBe('https://h/p?n=3');
    expect(nextPageUri({ NEXTPAGEURI: ['https://h/a', 'https://h/b'] })).toBe('https://h/a');
    expect(nextPageUri({ nextpageuri: '   ' })).toBeUndefined();
    expect(nextPageUri({ 'x-nextpageuri': 'https://h' })).toBeUndefined();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2024, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('classifies AF codes, unknown ones by family', () => {
    expect(afCodeInfo('AF429')!.retryable).toBe(true);
    expect(afCodeInfo('AF50006')!.retryable).toBe(true);
    expect(afCodeInfo('AF51234')!.retryable).toBe(true);
    expect(afCodeInfo('AF29999')!.retryable).toBe(false);
    expect(afCodeInfo('AF10001')!.retryable).toBe(false);
    expect(afCodeInfo('AF20010')!.hint).toMatch(/swapped with client_id/);
    expect(afCodeInfo('AF20013')!.hint).toMatch(/swapped with client_id/);
    expect(afCodeInfo('AF20022')!.hint).toMatch(/subscription missing/);
    expect(afCodeInfo('StartSubscription [CorrId=x]')).toBeUndefined();
  });
});

describe('clouds', () => {
  it('maps each cloud to its login host, API host and scope', () => {
    expect(cloudEndpoints('commercial')).toEqual({ loginUrl: 'https://login.microsoftonline.com', apiUrl: 'https://manage.office.com', scope: 'https://manage.office.com/.default' });
    expect(cloudEndpoints('gcc')).toEqual({ loginUrl: 'https://login.microsoftonline.com', apiUrl: 'https://manage-gcc.office.com', scope: 'https://manage-gcc.office.com/.default' });
    expect(cloudEndpoints('gcc-high')).toEqual({ loginUrl: 'https://login.microsoftonline.us', apiUrl: 'https://manage.office365.us', scope: 'https://manage.office365.us/.default' });
    expect(cloudEndpoints('dod')).toEqual({ loginUrl: 'https://login.microsoftonline.us', apiUrl: 'https://manage.protection.apps.mil', scope: 'https://manage.protection.apps.mil/.default' });
  });

  it('keeps the cloud scope when api_url/login_url are overridden, unless scope is', () => {
    const e = resolveEndpoints({ cloud: 'gcc-high', apiUrl: 'https://proxy.corp:8443/o365/', loginUrl: 'https://LOGIN.proxy.corp' });
    expect(e).toEqual({ loginUrl: 'https://login.proxy.corp', apiUrl: 'https://proxy.corp:8443/o365', scope: 'https://manage.office365.us/.default' });
    expect(resolveEndpoints({ scope: 'api://x/.default' }).scope).toBe('api://x/.default');
    expect(() => resolveEndpoints({ apiUrl: 'https://h/?q=1' })).toThrow(/query/);
    expect(() => resolveEndpoints({ apiUrl: 'ftp://h' })).toThrow(/https/);
  });
});
