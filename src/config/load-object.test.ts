// The config as an object (the embedding API): the same schema, errors and secrets as the file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scrub } from '../logging/redact.js';
import { ConfigValidationError } from './issues.js';
import { loadConfig, loadConfigObject, loadConfigText } from './load.js';

const T = '7d1b4c2a-0000-4000-8000-000000000001';
const C = '9f0e8d7c-0000-4000-8000-000000000002';
const SECRET = 'Zq8~object-secret-that-must-never-print';

const tenant = (extra: Record<string, unknown> = { client_secret: SECRET }) => ({ tenant_id: T, client_id: C, ...extra });

function objectFails(value: unknown, env: NodeJS.ProcessEnv = {}): ConfigValidationError {
  try {
    loadConfigObject(value, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return e as ConfigValidationError;
  }
  throw new Error('expected the config to be rejected');
}

describe('config given as an object', () => {
  it('reports the same key paths as the same config written as YAML', () => {
    const yaml = `tenants:\n  - tenant_id: ${T}\n    client_id: contoso.com\n    client_secret: ${SECRET}\n    clientSecretFile: x\ninterval: nope\nintervall: 1m\noutputs: [{type: kafka}]\nretry: {base_delay: 2m, max_delay: 1m}\n`;
    let fromText: ConfigValidationError | undefined;
    try {
      loadConfigText(yaml, { env: {} });
    } catch (e) {
      fromText = e as ConfigValidationError;
    }
    const fromObject = objectFails(parse(yaml));
    const paths = (e: ConfigValidationError) => e.issues.map((i) => i.path).sort();
    expect(paths(fromObject)).toEqual(paths(fromText!));
    expect(paths(fromObject)).toEqual(expect.arrayContaining(['tenants[0].client_id', 'tenants[0].clientSecretFile', 'interval', 'intervall', 'retry.base_delay']));
    // No line to point at: the message names the key path only.
    expect(fromObject.issues.every((i) => i.line === undefined)).toBe(true);
    expect(fromObject.message).toMatch(/\n {2}- interval: must be a duration/);
    expect(fromObject.message).not.toContain(SECRET);
    expect(fromObject.code).toBe('O365_ERR_CONFIG');
  });

  it('names the missing key and the variable of an unset ${ENV}', () => {
    expect(objectFails({ interval: '1m' }).issues.map((i) => i.path)).toContain('tenants');
    const err = objectFails({ tenants: [tenant({ client_secret: '${EMBED_SECRET}' })] });
    expect(err.issues).toEqual([expect.objectContaining({ path: 'tenants[0].client_secret', message: 'environment variable EMBED_SECRET is not set' })]);
  });

  it('interpolates ${ENV}, reads secret files relative to baseDir, and scrubs the secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-obj-'));
    writeFileSync(join(dir, 'secret.txt'), 'object-file-secret-7\n');
    const other = 'b2c4d6e8-0000-4000-8000-000000000003';
    const c = loadConfigObject(
      { tenants: [tenant({ client_secret: '${EMBED_SECRET}' }), { tenant_id: other, client_id: C, client_secret_file: 'secret.txt' }], state_dir: 'st', interval: '5m' },
      { env: { EMBED_SECRET: 'object-env-secret-9' }, baseDir: dir },
    );
    expect(c.tenants[0]!.credential).toEqual({ kind: 'secret', clientSecret: 'object-env-secret-9' });
    expect(c.tenants[1]!.credential).toEqual({ kind: 'secret', clientSecret: 'object-file-secret-7' });
    expect(c.stateDir).toBe(join(dir, 'st'));
    expect(c.intervalMs).toBe(300_000);
    expect(c.file).toBe('');
    expect(Object.isFrozen(c)).toBe(true);
    expect(scrub('a object-env-secret-9 b object-file-secret-7')).toBe('a [REDACTED] b [REDACTED]');
  });

  it('a missing secret file names its key and the path it looked at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-obj-'));
    try {
      loadConfigObject({ tenants: [tenant({ client_secret_file: 'nope.txt' })] }, { baseDir: dir, env: {} });
      throw new Error('expected a rejection');
    } catch (e) {
      expect((e as ConfigValidationError).issues).toEqual([expect.objectContaining({ path: 'tenants[0].client_secret_file', message: expect.stringContaining(join(dir, 'nope.txt')) })]);
    }
  });

  it('loadConfig takes a file path or an object, and rejects anything else clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-obj-'));
    writeFileSync(join(dir, 'c.yaml'), `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret: x\ninterval: 2m\n`);
    expect((await loadConfig(join(dir, 'c.yaml'), { env: {} })).intervalMs).toBe(120_000);
    expect((await loadConfig({ tenants: [tenant()], interval: '3m' }, { env: {} })).intervalMs).toBe(180_000);
    await expect(loadConfig(42 as never)).rejects.toThrow(/must be an object or the path of a config file, not number/);
    await expect(loadConfig([] as never)).rejects.toThrow(/not an array/);
  });
});
