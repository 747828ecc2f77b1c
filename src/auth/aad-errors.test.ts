import { describe, expect, it } from 'vitest';
import { aadstsCode, tokenError } from './aad-errors.js';
import { redactSecrets } from '../logging/redact.js';

const base = { loginHost: 'login.microsoftonline.com', tenantId: 't', clientId: 'c' };

describe('Entra error hints', () => {
  it.each([
    ['AADSTS7000215', 401, /secret ID instead of its value/],
    ['AADSTS7000222', 401, /expired/],
    ['AADSTS700016', 400, /swapped.*consent.*cloud/],
    ['AADSTS90002', 400, /tenant not found/],
    ['AADSTS900023', 400, /not a valid tenant/],
    ['AADSTS70011', 400, /scope/],
  ])('%s → plain-words hint, not retryable', (code, status, hint) => {
    const e = tokenError({ ...base, errorCode: 'invalid_request', description: `${code}: Something. Trace ID: abc Correlation ID: def`, status });
    expect(e.code).toBe('O365_ERR_AUTH');
    expect(e.context['aadsts']).toBe(code);
    expect(e.message).toMatch(hint);
    expect(e.retryable).toBe(false);
  });

  it('keeps Entra\'s first sentence for unknown codes, without trace ids', () => {
    const e = tokenError({ ...base, description: 'AADSTS123456: Something new happened.\r\nTrace ID: 1234' });
    expect(e.message).toContain('Something new happened.');
    expect(e.message).not.toContain('Trace ID');
  });

  it('reads the code from error_codes when the text lacks it', () => {
    expect(aadstsCode('no code here', '7000215')).toBe('AADSTS7000215');
    expect(aadstsCode(undefined, undefined)).toBeUndefined();
  });

  it('redacts bearer tokens, JWTs and secret form fields from server text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoiLCJhdWQiOiJ5In0.c2lnbmF0dXJlLXZhbHVl';
    const out = redactSecrets(`Authorization: Bearer abc.def-ghi token=${jwt} client_secret=hunter2&x=1 "client_assertion":"zzz"`);
    expect(out).not.toMatch(/abc\.def-ghi|eyJhbGci|hunter2|zzz/);
    expect(out).toContain('x=1');
  });
});
