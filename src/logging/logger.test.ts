import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, toCollectorLogger } from './logger.js';
import { clearSecrets, redactUrl, redactValue, registerSecret, scrub } from './redact.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

afterEach(() => clearSecrets());

describe('logger', () => {
  it('writes JSON lines with level labels and drops secret fields by path', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    log.info({ tenant: 't', client_secret: 'abc-secret-1', headers: { authorization: 'Bearer xyz' }, nested: { token: 'tok-value' } }, 'hello');
    log.debug({ x: 1 }, 'not at info');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'hello', tenant: 't', client_secret: '[REDACTED]', headers: { authorization: '[REDACTED]' }, nested: { token: '[REDACTED]' } });
    expect(lines[0]).not.toContain('abc-secret-1');
    expect(lines[0]).not.toContain('xyz');
  });

  it('scrubs registered secrets and JWTs from messages and errors, through the collector adapter too', () => {
    const { lines, destination } = capture();
    registerSecret('Zq8~registered-secret-value');
    const logger = toCollectorLogger(createLogger({ level: 'debug', destination }));
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ';
    logger.warn({ detail: 'secret was Zq8~registered-secret-value', err: new Error(`bad token ${jwt}`) }, `leaked ${jwt}`);
    const text = lines.join('');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('registered-secret-value');
    expect(text).not.toContain(jwt);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', err: { type: 'Error' } });
  });
});

describe('redaction helpers', () => {
  it('hides bearer tokens, URL credentials and PEM lines', () => {
    registerSecret('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----');
    expect(scrub('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrub('proxy http://user:pa55@proxy:3128 failed')).toBe('proxy http://[REDACTED]@proxy:3128 failed');
    expect(scrub('line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC here')).toBe('line [REDACTED] here');
    expect(redactUrl('http://user:pa55@proxy:3128/')).toBe('http://REDACTED@proxy:3128/');
    expect(redactValue({ password: 'x', list: [{ clientSecret: 'y' }], ok: 'fine' })).toEqual({ password: '[REDACTED]', list: [{ clientSecret: '[REDACTED]' }], ok: 'fine' });
  });

  it('hides credentials of any shape after an auth scheme or in an Authorization / API-key header', () => {
    const opaque = 'tok-9-q7w8e9r0t1y2u3i4';
    for (const [text, leaked] of [
      [`Authorization: Bearer ${opaque}`, opaque],
      [`"Authorization":"ApiKey c2VjcmV0LWlkOnNlY3JldC1rZXk="`, 'c2VjcmV0LWlkOnNlY3JldC1rZXk='],
      ['authorization=Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
      ['x-api-key: 0123456789abcdef', '0123456789abcdef'],
      ['Authorization: opaque-without-scheme-123', 'opaque-without-scheme-123'],
      ['SharedAccessSignature sr=abc&sig=def', 'sr=abc'],
    ] as const) {
      const out = scrub(text);
      expect(out, text).not.toContain(leaked);
      expect(out, text).toContain('[REDACTED]');
    }
    // Under secret-looking keys at any depth; counters are no secrets.
    expect(redactValue({ caused_by: { headers: { Authorization: ['Basic xyz'] }, api_key: 'k-123456' }, tokenRefreshes: 3 })).toEqual({
      caused_by: { headers: { Authorization: '[REDACTED]' }, api_key: '[REDACTED]' },
      tokenRefreshes: 3,
    });
  });

  it('the collector adapter scrubs nested objects too (a cluster error echoing headers)', () => {
    const { lines, destination } = capture();
    const logger = toCollectorLogger(createLogger({ level: 'debug', destination }));
    logger.warn({ output: 'es', error: { type: 'x', reason: 'bad header Authorization: ApiKey c2VjcmV0a2V5MTIz', headers: { 'x-api-key': 'k-abcdef12' } } }, 'refused');
    expect(lines.join('')).not.toMatch(/c2VjcmV0a2V5MTIz|k-abcdef12/);
  });
});
