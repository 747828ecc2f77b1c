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
});
