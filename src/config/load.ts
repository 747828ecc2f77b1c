// Loads a config file: parse (keeping lines), interpolate `${ENV}`, validate, read the referenced
// files (secrets, keys, CAs: relative to the config file's folder), then normalise snake_case into
// the frozen camelCase AppConfig. Every problem is reported at once, with key path and line.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CloudName } from '../auth/clouds.js';
import { registerSecret, scrub } from '../logging/redact.js';
import type { O365AuditConfigFile, Tenant } from '../generated/config.js';
import { normaliseOutput as normaliseOutputEntry, outputName, type ConfiguredOutput } from '../outputs/build.js';
import type { OutputFileReader } from '../outputs/normalise.js';
import { parseDuration } from '../shared/duration.js';
import { parseListen } from '../monitoring/listen.js';
import { interpolateEnv } from './interpolate.js';
import { ConfigValidationError, formatIssue, formatPath, type ConfigIssue, type KeyPath } from './issues.js';
import { MAX_CONFIG_BYTES, parseSource } from './parse.js';
import { schemaDefault, schemaTenantDefault } from './schema.js';
import type { AppConfig, LogLevel, TenantConfig, TenantCredential } from './types.js';
import { validateConfigValue } from './validate.js';

export interface LoadOptions {
  /** Environment for `${VAR}` (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * For inspection only (`o365-audit state`): unset `${VAR}`s and unreadable referenced files are
   * not errors, and credentials may be left empty. The result cannot be used to connect.
   */
  withoutSecrets?: boolean;
}

/** An environment in which every variable is set (to a placeholder when it is not). */
function lenientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return new Proxy(env, { get: (target, key) => (typeof key === 'string' ? (target[key] ?? 'unset') : undefined) });
}

/** Reads and validates a config file; throws ConfigValidationError (code O365_ERR_CONFIG). */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<AppConfig> {
  const abs = resolve(file);
  let text: string;
  try {
    // Never more than one byte over the limit into memory: parseSource names the line where it is crossed.
    const fh = await open(abs, 'r');
    try {
      const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      let n = 0;
      for (let r = 1; r > 0 && n < buf.length; n += r) r = (await fh.read(buf, n, buf.length - n, n)).bytesRead;
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw new ConfigValidationError([{ path: '', message: `cannot read the config file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], abs);
  }
  return loadConfigText(text, { ...options, file: abs });
}

/** Validates config text; relative paths resolve against `dirname(file)` (default: the cwd). */
export function loadConfigText(text: string, options: LoadOptions & { file?: string } = {}): AppConfig {
  const file = options.file ?? '';
  const src = parseSource(text);
  if (src.issues.length > 0) throw invalid(src.issues, file);
  return loadParsed(src.value, src.lineOf, file ? dirname(file) : process.cwd(), file, options);
}

export interface ObjectLoadOptions extends LoadOptions {
  /** Folder that relative paths (`client_secret_file`, `ca_file`, `state_dir`, …) resolve against (default: the cwd). */
  baseDir?: string;
}

/**
 * Validates a config given as an object, with the same snake_case schema as the file (for
 * embedding: a shipper that keeps its settings elsewhere). Same checks, same `${ENV}` interpolation
 * in string values, same referenced files; errors name the key path (there is no line).
 */
export function loadConfigObject(value: unknown, options: ObjectLoadOptions = {}): AppConfig {
  return loadParsed(value, () => undefined, resolve(options.baseDir ?? process.cwd()), '', options);
}

/** A config object (see loadConfigObject) or the path of a config file (see loadConfigFile). */
export type ConfigSource = string | O365AuditConfigFile;

/** Loads a config from a file path or an object: the embedding API's single entry. */
export async function loadConfig(source: ConfigSource | Record<string, unknown>, options: ObjectLoadOptions = {}): Promise<AppConfig> {
  if (typeof source === 'string') return loadConfigFile(source, options);
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new ConfigValidationError([{ path: '', message: `the config must be an object or the path of a config file, not ${source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source}` }]);
  }
  return loadConfigObject(source, options);
}

function invalid(issues: ConfigIssue[], file: string): ConfigValidationError {
  return new ConfigValidationError(issues.map((i) => ({ ...i, message: scrub(i.message) })), file || undefined);
}

function loadParsed(parsed: unknown, lineOf: (p: KeyPath) => number | undefined, baseDir: string, file: string, options: LoadOptions): AppConfig {
  const issues: ConfigIssue[] = [];
  const env = options.env ?? process.env;
  const value = interpolateEnv(parsed, options.withoutSecrets ? lenientEnv(env) : env, issues);
  // A key whose variable is unset already has its issue; "must not be empty" on top adds nothing.
  const envPaths = new Set(issues.map((i) => i.path));
  for (const raw of validateConfigValue(value)) {
    const path = formatPath(raw.keyPath);
    if (!envPaths.has(path)) issues.push({ path, message: raw.message, hint: raw.hint, line: lineOf(raw.keyPath) });
  }
  for (const i of issues) i.line ??= lineOf(pathSegments(i.path));
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (issues.length > 0) throw invalid(issues, file);

  const files = new FileReader(baseDir, lineOf, options.withoutSecrets === true);
  const config = normalise(value as RawConfig, baseDir, files, file);
  config.warnings = files.warnings.map((w) => formatIssue(w, file || undefined));
  if (files.issues.length > 0) throw invalid(files.issues, file);
  return deepFreeze(config);
}

/**
 * Checks config text without reading the files it names (secrets, keys, CAs): syntax, `${VAR}`,
 * schema and cross-field rules. For linting examples and configs on a machine without the secrets.
 */
export function lintConfigText(text: string, options: LoadOptions = {}): ConfigIssue[] {
  const src = parseSource(text);
  if (src.issues.length > 0) return src.issues.map((i) => ({ ...i, message: scrub(i.message) }));
  const issues: ConfigIssue[] = [];
  const value = interpolateEnv(src.value, options.env ?? process.env, issues);
  for (const raw of validateConfigValue(value)) issues.push({ path: formatPath(raw.keyPath), message: raw.message, hint: raw.hint, line: src.lineOf(raw.keyPath) });
  return issues;
}

/** `tenants[1].client_secret` -> ['tenants', 1, 'client_secret'] (to find a line). */
function pathSegments(path: string): KeyPath {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Reads referenced files synchronously (start-up only), collecting problems instead of throwing. */
class FileReader {
  readonly issues: ConfigIssue[] = [];
  /** Not errors: a secret file that others may read (the config still works). */
  readonly warnings: ConfigIssue[] = [];
  constructor(
    private readonly baseDir: string,
    private readonly lineOf: (p: KeyPath) => number | undefined,
    /** Unreadable files are not errors (inspection without secrets). */
    private readonly lenient = false,
  ) {}

  read(path: KeyPath, name: string): string | undefined {
    const abs = resolve(this.baseDir, name);
    try {
      return readFileSync(abs, 'utf8');
    } catch (cause) {
      if (this.lenient) return undefined;
      this.problem(path, `cannot read ${abs} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }

  /** read() for a file that holds a secret: warns (naming the file, never its content) when group or others may read it. */
  readSecret(path: KeyPath, name: string): string | undefined {
    const text = this.read(path, name);
    if (text !== undefined && process.platform !== 'win32') {
      const abs = resolve(this.baseDir, name);
      try {
        const mode = statSync(abs).mode & 0o777;
        if ((mode & 0o077) !== 0) {
          this.warnings.push({
            path: formatPath(path),
            message: `${abs} holds a secret but is readable by ${mode & 0o007 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')})`,
            hint: `chmod 600 ${abs}`,
            line: this.lineOf(path),
          });
        }
      } catch {
        // read() succeeded; a stat failure right after is not worth a warning
      }
    }
    return text;
  }

  problem(path: KeyPath, message: string, hint?: string): void {
    this.issues.push({ path: formatPath(path), message, hint, line: this.lineOf(path) });
  }
}

// The file's shape, generated from the schema (scripts/gen-types.ts): the schema is the one source.
// An output entry's own shape is its output's business (src/outputs/<type>/schema.json).
type RawOutput = { type: string };
type RawConfig = Omit<O365AuditConfigFile, 'output' | 'outputs'> & { output?: RawOutput; outputs?: RawOutput[] };
type RawTenant = Tenant;

function ms(value: string | undefined, key: string): number {
  // Values were validated against the same grammar; the default comes from the schema.
  return parseDuration(value ?? schemaDefault<string>(key)) ?? 0;
}

function normalise(raw: RawConfig, baseDir: string, files: FileReader, file: string): AppConfig {
  const globalCa = raw.ca_file !== undefined ? files.read(['ca_file'], raw.ca_file) : undefined;
  const contentTypes = raw.content_types ?? schemaDefault<string[]>('content_types');
  const tenants = raw.tenants.map((t, i) => normaliseTenant(t, i, { contentTypes, proxy: raw.proxy, ca: globalCa }, files));
  const outputs = raw.outputs !== undefined
    ? raw.outputs.map((o, i) => normaliseOutput(o, ['outputs', i], baseDir, files))
    : [normaliseOutput(raw.output ?? schemaDefault<RawOutput>('output'), ['output'], baseDir, files)];
  return {
    file,
    tenants,
    intervalMs: ms(raw.interval, 'interval'),
    initialIntervalMs: ms(raw.initial_interval, 'initial_interval'),
    onlyFutureEvents: raw.only_future_events ?? schemaDefault<boolean>('only_future_events'),
    stateDir: resolve(baseDir, raw.state_dir ?? schemaDefault<string>('state_dir')),
    outputs,
    windowMs: ms(raw.window, 'window'),
    lookbackMs: ms(raw.lookback, 'lookback'),
    blobConcurrency: raw.blob_concurrency ?? schemaDefault<number>('blob_concurrency'),
    requestTimeoutMs: ms(raw.request_timeout, 'request_timeout'),
    blobTimeoutMs: ms(raw.blob_timeout, 'blob_timeout'),
    maxRecordBytes: raw.max_record_bytes ?? schemaDefault<number>('max_record_bytes'),
    requestDeadlineMs: ms(raw.request_deadline, 'request_deadline'),
    blobDeadlineMs: ms(raw.blob_deadline, 'blob_deadline'),
    commitIntervalMs: ms(raw.commit_interval, 'commit_interval'),
    retry: {
      maxAttempts: raw.retry?.max_attempts ?? schemaDefault<number>('retry.max_attempts'),
      baseDelayMs: ms(raw.retry?.base_delay, 'retry.base_delay'),
      maxDelayMs: ms(raw.retry?.max_delay, 'retry.max_delay'),
    },
    logLevel: raw.log_level ?? schemaDefault<LogLevel>('log_level'),
    ...normaliseMonitoring(raw, outputs, files),
  };
}

function normaliseMonitoring(raw: RawConfig, outputs: ConfiguredOutput[], files: FileReader): Pick<AppConfig, 'metrics' | 'healthEvents'> {
  const out: Pick<AppConfig, 'metrics' | 'healthEvents'> = {};
  if (raw.metrics !== undefined) {
    const listen = parseListen(raw.metrics.listen);
    if (typeof listen === 'string') files.problem(['metrics', 'listen'], listen);
    else out.metrics = listen;
  }
  const he = raw.health_events;
  if (he !== undefined) {
    const names = outputs.map(outputName);
    he.outputs?.forEach((n, i) => {
      if (!names.includes(n)) files.problem(['health_events', 'outputs', i], `no output is named "${n}" (outputs: ${names.join(', ')})`);
    });
    out.healthEvents = he.outputs !== undefined ? { outputs: [...he.outputs] } : {};
  }
  return out;
}

function normaliseOutput(o: RawOutput, at: KeyPath, baseDir: string, files: FileReader): ConfiguredOutput {
  const reader: OutputFileReader = { baseDir, read: (key, name) => files.read([...at, key], name) };
  const { config, secrets } = normaliseOutputEntry(o, reader);
  for (const s of secrets) registerSecret(s);
  return config;
}

function normaliseTenant(
  t: RawTenant,
  i: number,
  inherited: { contentTypes: string[]; proxy?: string; ca?: string },
  files: FileReader,
): TenantConfig {
  const at = (...k: Array<string | number>): KeyPath => ['tenants', i, ...k];
  let credential: TenantCredential = { kind: 'secret', clientSecret: '' };
  if (t.client_secret !== undefined) {
    credential = { kind: 'secret', clientSecret: t.client_secret };
  } else if (t.client_secret_file !== undefined) {
    // Trim: a trailing newline from `echo secret > file` must not become part of the secret.
    const secret = files.readSecret(at('client_secret_file'), t.client_secret_file)?.trim();
    if (secret === '') files.problem(at('client_secret_file'), 'the file is empty');
    credential = { kind: 'secret', clientSecret: secret ?? '' };
  } else if (t.certificate !== undefined) {
    credential = readCertificate(t.certificate, at('certificate'), files);
  }
  if (credential.kind === 'secret') registerSecret(credential.clientSecret);
  else registerSecret(credential.privateKey);
  registerSecret(proxyPassword(t.proxy ?? inherited.proxy));

  return {
    path: `tenants[${i}]`,
    tenantId: t.tenant_id,
    clientId: t.client_id,
    credential,
    cloud: t.cloud ?? schemaTenantDefault<CloudName>('cloud'),
    loginUrl: t.login_url,
    apiUrl: t.api_url,
    contentTypes: t.content_types ?? inherited.contentTypes,
    label: t.label,
    publisherIdentifier: t.publisher_identifier ?? t.tenant_id,
    proxy: t.proxy ?? inherited.proxy,
    ca: t.ca_file !== undefined ? files.read(at('ca_file'), t.ca_file) : inherited.ca,
  };
}

function proxyPassword(proxy: string | undefined): string | undefined {
  if (proxy === undefined) return undefined;
  try {
    return decodeURIComponent(new URL(proxy).password) || undefined;
  } catch {
    return undefined;
  }
}

function readCertificate(c: NonNullable<RawTenant['certificate']>, at: KeyPath, files: FileReader): TenantCredential {
  const privateKey = files.readSecret([...at, 'private_key_file'], c.private_key_file) ?? '';
  if (privateKey !== '') {
    try {
      const key = createPrivateKey(privateKey);
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (key.asymmetricKeyType !== 'rsa') files.problem([...at, 'private_key_file'], 'must hold an RSA private key');
      else if (bits !== undefined && bits < 2048) files.problem([...at, 'private_key_file'], `the key has ${bits} bits; Entra requires at least 2048`);
    } catch {
      files.problem([...at, 'private_key_file'], 'is not a PEM private key (an encrypted key is not supported)');
    }
  }
  let certificate: string | undefined;
  let thumbprint = (c.thumbprint ?? '').replace(/[:\s]/g, '').toUpperCase();
  if (c.thumbprint !== undefined && thumbprint.length !== 40 && thumbprint.length !== 64) files.problem([...at, 'thumbprint'], 'must be a hex SHA-1 (40 digits) or SHA-256 (64 digits) thumbprint');
  if (c.certificate_file !== undefined) {
    certificate = files.read([...at, 'certificate_file'], c.certificate_file);
    if (certificate !== undefined) {
      try {
        const x509 = new X509Certificate(certificate);
        thumbprint = x509.fingerprint.replace(/:/g, '').toUpperCase();
        if (Date.parse(x509.validTo) < Date.now()) files.problem([...at, 'certificate_file'], `the certificate expired on ${x509.validTo}`);
      } catch {
        files.problem([...at, 'certificate_file'], 'is not a PEM certificate');
      }
    }
  }
  return { kind: 'certificate', privateKey, certificate, thumbprint };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
