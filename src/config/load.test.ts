import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scrub } from '../logging/redact.js';
import { ConfigValidationError } from './issues.js';
import { loadConfigFile, loadConfigText } from './load.js';

const T = '7d1b4c2a-0000-4000-8000-000000000001';
const C = '9f0e8d7c-0000-4000-8000-000000000002';
const SECRET = 'Zq8~s3cr3t-value-that-must-never-print';

function tenant(extra = '', secret = `client_secret: ${SECRET}`) {
  return `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    ${secret}\n${extra}`;
}

function fails(yaml: string, env: NodeJS.ProcessEnv = {}): ConfigValidationError {
  try {
    loadConfigText(yaml, { env, file: '/etc/o365/config.yaml' });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return e as ConfigValidationError;
  }
  throw new Error('expected the config to be rejected');
}

const table: Array<{ name: string; yaml: string; path: string; line?: number; hint?: RegExp; env?: NodeJS.ProcessEnv }> = [
  { name: 'missing tenants', yaml: 'interval: 1m\n', path: 'tenants' },
  { name: 'empty file', yaml: '', path: '' },
  { name: 'unknown top-level key with a suggestion', yaml: tenant('intervall: 1m\n'), path: 'intervall', line: 5, hint: /"interval"/ },
  { name: 'camelCase key suggests the snake_case one', yaml: tenant('    clientSecretFile: x\n'), path: 'tenants[0].clientSecretFile', hint: /client_secret_file/ },
  { name: 'no credential', yaml: `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n`, path: 'tenants[0]' },
  { name: 'two credentials', yaml: tenant('    client_secret_file: s.txt\n'), path: 'tenants[0].client_secret_file' },
  { name: 'tenant id is a domain', yaml: `tenants:\n  - tenant_id: contoso.onmicrosoft.com\n    client_id: ${C}\n    client_secret: x\n`, path: 'tenants[0].tenant_id', line: 2, hint: /domain/ },
  { name: 'client id is a domain: swapped', yaml: `tenants:\n  - tenant_id: ${T}\n    client_id: contoso.com\n    client_secret: x\n`, path: 'tenants[0].client_id', hint: /swapped/ },
  { name: 'tenant id equals client id', yaml: `tenants:\n  - tenant_id: ${T}\n    client_id: ${T}\n    client_secret: x\n`, path: 'tenants[0].client_id', hint: /Directory \(tenant\) ID/ },
  {
    name: 'ids swapped between two tenants',
    yaml: `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret: x\n  - tenant_id: ${C}\n    client_id: ${T}\n    client_secret: y\n`,
    path: 'tenants[0].tenant_id',
    hint: /swapped/,
  },
  { name: 'duplicate tenant', yaml: `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret: x\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret: y\n`, path: 'tenants[1].tenant_id' },
  { name: 'bad duration', yaml: tenant('interval: 5 minutes\n'), path: 'interval' },
  { name: 'initial_interval over 7 days', yaml: tenant('initial_interval: 8d\n'), path: 'initial_interval' },
  { name: 'window over 24 hours', yaml: tenant('window: 25h\n'), path: 'window' },
  { name: 'unknown cloud', yaml: tenant('    cloud: china\n'), path: 'tenants[0].cloud' },
  { name: 'unknown content type', yaml: tenant('content_types: [Audit.Exchange, Audit.Teams]\n'), path: 'content_types[1]' },
  { name: 'output and outputs together', yaml: tenant('output: {type: stdout}\noutputs: [{type: stdout}]\n'), path: 'outputs' },
  { name: 'file output without path', yaml: tenant('output: {type: file}\n'), path: 'output.path' },
  { name: 'unknown output type', yaml: tenant('outputs: [{type: carrier-pigeon}]\n'), path: 'outputs[0].type' },
  { name: 'wrong type', yaml: tenant('only_future_events: "yes"\n'), path: 'only_future_events' },
  { name: 'blob_concurrency out of range', yaml: tenant('blob_concurrency: 0\n'), path: 'blob_concurrency' },
  { name: 'retry base over max', yaml: tenant('retry: {base_delay: 2m, max_delay: 1m}\n'), path: 'retry.base_delay' },
  { name: 'unset environment variable', yaml: tenant('', 'client_secret: ${O365_SECRET}'), path: 'tenants[0].client_secret', line: 4 },
  { name: 'certificate without cert or thumbprint', yaml: tenant('', 'certificate: {private_key_file: k.pem}'), path: 'tenants[0].certificate' },
  { name: 'secret file missing', yaml: tenant('', 'client_secret_file: nope.txt'), path: 'tenants[0].client_secret_file' },
  { name: 'duplicate key', yaml: tenant('interval: 1m\ninterval: 2m\n'), path: '' },
  { name: 'proxy not a URL', yaml: tenant('proxy: proxy.local:3128\n'), path: 'proxy' },
  { name: 'output without type', yaml: tenant('output: {path: x.ndjson}\n'), path: 'output.type' },
  { name: 'key of another output type', yaml: tenant('output: {type: stdout, path: x}\n'), path: 'output.path' },
  { name: 'elasticsearch without url or hosts', yaml: tenant('outputs: [{type: elasticsearch}]\n'), path: 'outputs[0].url' },
  { name: 'elasticsearch with url and hosts', yaml: tenant('outputs: [{type: opensearch, url: "https://a:9200", hosts: ["https://b:9200"]}]\n'), path: 'outputs[0].hosts' },
  { name: 'http with basic and bearer auth', yaml: tenant('output: {type: http, url: "http://x", username: u, password: p, bearer_token: t}\n'), path: 'output.username' },
  { name: 'two outputs with one name', yaml: tenant('outputs: [{type: file, path: a}, {type: file, path: b}]\n'), path: 'outputs[1].name' },
  { name: 'unknown record format', yaml: tenant('output: {type: file, path: a, format: cef}\n'), path: 'output.format' },
];

describe('config validation', () => {
  for (const row of table) {
    it(`rejects: ${row.name} (names ${row.path || 'the file'})`, () => {
      const err = fails(row.yaml, row.env);
      expect(err.code).toBe('O365_ERR_CONFIG');
      const issue = err.issues.find((i) => i.path === row.path);
      expect(issue, `issues: ${JSON.stringify(err.issues)}`).toBeDefined();
      if (row.line !== undefined) expect(issue!.line).toBe(row.line);
      if (row.hint) expect(issue!.hint ?? issue!.message).toMatch(row.hint);
      expect(err.message).not.toContain(SECRET);
    });
  }

  it('reports every problem of a file at once, each with a line', () => {
    const err = fails(tenant('interval: nope\nwindow: 48h\nfoo: 1\n'));
    expect(err.issues.map((i) => i.path).sort()).toEqual(['foo', 'interval', 'window']);
    expect(err.issues.every((i) => typeof i.line === 'number')).toBe(true);
    expect(err.message).toMatch(/config\.yaml:\d+: interval: must be a duration/);
  });

  it('never echoes a secret written in the wrong place', () => {
    const err = fails(`tenants:\n  - tenant_id: ${T}\n    client_id: ${SECRET}\n    client_secret: ${SECRET}\n`);
    expect(err.issues.some((i) => i.path === 'tenants[0].client_id')).toBe(true);
    expect(JSON.stringify(err.issues)).not.toContain(SECRET);
  });
});

describe('config normalisation', () => {
  it('applies the schema defaults and turns durations into milliseconds', () => {
    const c = loadConfigText(tenant(), { env: {}, file: '/etc/o365/config.yaml' });
    expect(c.intervalMs).toBe(60_000);
    expect(c.initialIntervalMs).toBe(7 * 86_400_000);
    expect(c.windowMs).toBe(3_600_000);
    expect(c.lookbackMs).toBe(30 * 60_000);
    expect(c.commitIntervalMs).toBe(1000);
    expect(c.blobConcurrency).toBe(4);
    expect(c.retry).toEqual({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 });
    expect(c.stateDir).toBe('/etc/o365/state');
    expect(c.outputs).toEqual([{ type: 'file', path: '/etc/o365/o365.ndjson', name: undefined }]);
    const t = c.tenants[0]!;
    expect(t.contentTypes).toEqual(['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All']);
    expect(t.cloud).toBe('commercial');
    expect(t.publisherIdentifier).toBe(T);
    expect(t.credential).toEqual({ kind: 'secret', clientSecret: SECRET });
    expect(Object.isFrozen(c.tenants[0])).toBe(true);
  });

  it('interpolates environment variables and registers the secret for scrubbing', () => {
    const c = loadConfigText(tenant('', 'client_secret: "${MY_SECRET}"') + 'state_dir: "$${literal}"\n', { env: { MY_SECRET: 'from-env-secret-42' } });
    expect(c.tenants[0]!.credential).toEqual({ kind: 'secret', clientSecret: 'from-env-secret-42' });
    expect(c.stateDir.endsWith('${literal}')).toBe(true);
    expect(scrub('oops from-env-secret-42 leaked')).toBe('oops [REDACTED] leaked');
  });

  it('per-tenant keys override the global ones; outputs stay a list', () => {
    const yaml =
      tenant('    content_types: [DLP.All]\n    label: contoso\n    proxy: http://p.local:3128\n    cloud: gcc-high\n') +
      'proxy: http://global:1\noutputs:\n  - {type: stdout}\n  - {type: file, path: out/a.ndjson, name: archive}\n';
    const c = loadConfigText(yaml, { env: {}, file: '/srv/c.yaml' });
    const t = c.tenants[0]!;
    expect(t.contentTypes).toEqual(['DLP.All']);
    expect(t.label).toBe('contoso');
    expect(t.proxy).toBe('http://p.local:3128');
    expect(t.cloud).toBe('gcc-high');
    expect(c.outputs).toEqual([{ type: 'stdout', name: undefined }, { type: 'file', path: '/srv/out/a.ndjson', name: 'archive' }]);
  });

  it('reads secret, key and CA files relative to the config file folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-'));
    writeFileSync(join(dir, 'secret.txt'), 'file-secret-value-1\n');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const other = 'b2c4d6e8-0000-4000-8000-000000000003';
    writeFileSync(
      join(dir, 'c.yaml'),
      `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret_file: secret.txt\n` +
        `  - tenant_id: ${other}\n    client_id: ${C}\n    certificate: {private_key_file: key.pem, thumbprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"}\n` +
        'ca_file: ca.pem\n',
    );
    const c = await loadConfigFile(join(dir, 'c.yaml'), { env: {} });
    expect(c.tenants[0]!.credential).toEqual({ kind: 'secret', clientSecret: 'file-secret-value-1' });
    const cert = c.tenants[1]!.credential;
    expect(cert.kind).toBe('certificate');
    if (cert.kind === 'certificate') expect(cert.thumbprint).toBe('ABCDEF0123456789ABCDEF0123456789ABCDEF01');
    expect(c.tenants[0]!.ca).toContain('BEGIN CERTIFICATE');
  });

  it('warns (naming file and line, never the content) about a secret or key file that others may read; 0600 is quiet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-'));
    writeFileSync(join(dir, 'secret.txt'), 'file-secret-value-2\n', { mode: 0o644 });
    chmodSync(join(dir, 'secret.txt'), 0o644);
    writeFileSync(join(dir, 'ok.txt'), 'file-secret-value-3\n', { mode: 0o600 });
    const other = 'b2c4d6e8-0000-4000-8000-000000000003';
    writeFileSync(
      join(dir, 'c.yaml'),
      `tenants:\n  - tenant_id: ${T}\n    client_id: ${C}\n    client_secret_file: secret.txt\n  - tenant_id: ${other}\n    client_id: ${C}\n    client_secret_file: ok.txt\n`,
    );
    const c = await loadConfigFile(join(dir, 'c.yaml'), { env: {} });
    expect(c.warnings).toEqual([
      `${join(dir, 'c.yaml')}:4: tenants[0].client_secret_file: ${join(dir, 'secret.txt')} holds a secret but is readable by everyone (mode 0644) (hint: chmod 600 ${join(dir, 'secret.txt')})`,
    ]);
    expect(JSON.stringify(c.warnings)).not.toContain('file-secret-value');
    chmodSync(join(dir, 'secret.txt'), 0o640);
    expect((await loadConfigFile(join(dir, 'c.yaml'), { env: {} })).warnings?.[0]).toMatch(/readable by its group \(mode 0640\)/);
  });

  it('rejects a private key shorter than 2048 bits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const yaml = tenant('', `certificate: {private_key_file: key.pem, thumbprint: ${'a'.repeat(40)}}`);
    expect(() => loadConfigText(yaml, { env: {}, file: join(dir, 'c.yaml') })).toThrow(/2048/);
  });

  it('normalises shipping outputs and keeps their secrets out of messages', () => {
    const yaml =
      tenant() +
      'outputs:\n  - {type: file, path: a.ndjson, format: wazuh}\n' +
      '  - {type: elasticsearch, url: "https://es:9200", api_key: "es-api-key-secret-1", flush_interval: 2s}\n' +
      '  - {type: http, url: "http://127.0.0.1:9880/o365", username: u, password: "http-pass-secret-2"}\n';
    const c = loadConfigText(yaml, { env: {}, file: '/srv/c.yaml' });
    expect(c.outputs[0]).toEqual({ type: 'file', path: '/srv/a.ndjson', name: undefined, format: 'wazuh' });
    expect(c.outputs[1]).toMatchObject({ type: 'elasticsearch', hosts: ['https://es:9200'], apiKey: 'es-api-key-secret-1', flushIntervalMs: 2000 });
    expect(c.outputs[2]).toMatchObject({ type: 'http', url: 'http://127.0.0.1:9880/o365' });
    expect(scrub('key es-api-key-secret-1 pass http-pass-secret-2')).toBe('key [REDACTED] pass [REDACTED]');
  });

  it('withoutSecrets: unset variables and missing secret files are not errors (for `state`)', () => {
    const yaml = tenant('', 'client_secret: ${NOT_SET_HERE}') + '  - tenant_id: b2c4d6e8-0000-4000-8000-000000000003\n    client_id: ' + C + '\n    client_secret_file: /nonexistent/secret\nstate_dir: /var/lib/o365\n';
    expect(() => loadConfigText(yaml, { env: {} })).toThrow(ConfigValidationError);
    const c = loadConfigText(yaml, { env: {}, withoutSecrets: true });
    expect(c.stateDir).toBe('/var/lib/o365');
    expect(c.tenants).toHaveLength(2);
    // Still a config error: a wrong key is wrong whatever the secrets.
    expect(() => loadConfigText(yaml + 'intervall: 1m\n', { env: {}, withoutSecrets: true })).toThrow(/intervall/);
  });

  it('reads JSON configs too, with lines', () => {
    const json = `{\n  "tenants": [\n    {"tenant_id": "${T}", "client_id": "${C}", "client_secret": "x"}\n  ],\n  "intervall": "1m"\n}\n`;
    const err = fails(json);
    expect(err.issues[0]).toMatchObject({ path: 'intervall', line: 5 });
  });

  it('an alias bomb is a config error naming the file and the line where aliases multiply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-'));
    const file = join(dir, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFileSync(file, `${tenant()}${levels.join('\n')}\n`);
    const err = await loadConfigFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as ConfigValidationError).message).toContain(`${file}:7: too many YAML alias expansions`);
  });

  it('a config over 1 MiB is refused before parsing, naming the file and the line where the limit is crossed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-cfg-'));
    const file = join(dir, 'huge.yaml');
    const line = `# ${'x'.repeat(1021)}\n`; // 1 KiB per line
    writeFileSync(file, tenant() + line.repeat(2048));
    const err = (await loadConfigFile(file).catch((e: unknown) => e)) as ConfigValidationError;
    expect(err).toBeInstanceOf(ConfigValidationError);
    // tenant() is 4 lines; line 4 + 1024 holds the limit's last byte.
    expect(err.message).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:10(2[4-9]|3\\d): the config is larger than 1048576 bytes`));
  });
});
