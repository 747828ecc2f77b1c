// Turns the parsed, interpolated config into a list of problems: ajv schema errors translated into
// plain words (never echoing values, so no secret can leak through a message), then the cross-field
// rules a schema expresses badly (exactly one credential, output xor outputs, duration bounds).

import type { ErrorObject } from 'ajv';
import { OUTPUT_TYPES, outputListIssues } from '../outputs/build.js';
import { GUID_RE } from '../shared/guid.js';
import { parseDuration } from '../shared/duration.js';
import { formatPath, type KeyPath } from './issues.js';
import { configValidator } from './schema.js';
import { closestKey } from './suggest.js';

export interface RawIssue {
  keyPath: KeyPath;
  message: string;
  hint?: string;
}

const DOMAIN_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export function validateConfigValue(value: unknown): RawIssue[] {
  const validate = configValidator();
  const issues: RawIssue[] = [];
  if (!validate(value)) {
    for (const e of validate.errors ?? []) {
      // `not` / `anyOf` express cross-field rules that crossFieldIssues() reports in plain words.
      if (e.keyword === 'not' || e.keyword === 'anyOf' || /\/(anyOf|not)\//.test(e.schemaPath)) continue;
      issues.push(translate(e, value));
    }
  }
  issues.push(...crossFieldIssues(value));
  // One problem per key path is enough (ajv may report a type and a pattern for one value).
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${formatPath(i.keyPath)}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let v = root;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  object: 'a mapping (key: value pairs)',
  array: 'a list',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
};

function translate(e: ErrorObject, root: unknown): RawIssue {
  const at = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const near = closestKey(key, known);
      return { keyPath: [...at, key], message: 'unknown key', hint: near ? `did you mean "${near}"?` : `known keys here: ${known.join(', ')}` };
    }
    case 'required':
      return { keyPath: [...at, String(p.missingProperty)], message: 'is required' };
    case 'type':
      return { keyPath: at, message: `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}` };
    case 'enum':
      return { keyPath: at, message: `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'minItems':
    case 'minLength':
      return { keyPath: at, message: 'must not be empty' };
    case 'maxLength':
      return { keyPath: at, message: `must be at most ${String(p.limit)} characters long` };
    case 'minimum':
      return { keyPath: at, message: `must be at least ${String(p.limit)}` };
    case 'maximum':
      return { keyPath: at, message: `must be at most ${String(p.limit)}` };
    case 'uniqueItems':
      return { keyPath: at, message: 'lists the same value twice' };
    case 'pattern':
      return patternIssue(e.schemaPath, at, root);
    case 'discriminator':
      // `output` picks its branch by `type`: a missing or unknown type is the problem to report.
      if (p.error === 'mapping') return { keyPath: [...at, 'type'], message: `must be one of: ${OUTPUT_TYPES.join(', ')}` };
      return { keyPath: [...at, 'type'], message: 'is required' };
    default:
      return { keyPath: at, message: e.message ?? 'is not valid' };
  }
}

function patternIssue(schemaPath: string, at: KeyPath, root: unknown): RawIssue {
  if (schemaPath.includes('/duration/')) {
    return { keyPath: at, message: 'must be a duration such as 30s, 1m, 1h30m or 7d' };
  }
  if (schemaPath.includes('/guid/')) {
    const key = at[at.length - 1];
    const v = valueAt(root, at);
    const s = typeof v === 'string' ? v.trim() : '';
    let hint: string | undefined;
    if (GUID_RE.test(s.replace(/^\{|\}$/g, ''))) hint = 'remove the braces or spaces around the GUID';
    else if (DOMAIN_RE.test(s) && key === 'tenant_id') hint = 'this looks like a domain name: use the Directory (tenant) ID GUID from the Entra admin center, Overview page';
    else if (DOMAIN_RE.test(s) && key === 'client_id') hint = 'this looks like a domain name (tenant_id and client_id swapped?): client_id is the Application (client) ID GUID of the app registration';
    return { keyPath: at, message: 'must be a GUID like 00000000-0000-0000-0000-000000000000', hint };
  }
  if (schemaPath.includes('/thumbprint/')) return { keyPath: at, message: 'must be a hex SHA-1 (40 digits) or SHA-256 (64 digits) thumbprint' };
  if (schemaPath.includes('/name/')) return { keyPath: at, message: 'may only contain letters, digits, "_", "." and "-"' };
  return { keyPath: at, message: 'must be an http:// or https:// URL' };
}


type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

// Bounds the API imposes (management-api.md §5, §7): windows <= 24 h, content kept 7 days.
const DURATION_BOUNDS: Array<[key: string, min: number, max: number, why: string]> = [
  ['interval', 1_000, 86_400_000, 'between 1s and 24h'],
  ['initial_interval', 0, 7 * 86_400_000, 'at most 7d (the API keeps content for 7 days)'],
  ['window', 60_000, 86_400_000, 'between 1m and 24h (longer listings are silently truncated by the API)'],
  ['lookback', 0, 7 * 86_400_000, 'at most 7d'],
  ['request_timeout', 1_000, 3_600_000, 'between 1s and 1h'],
  ['blob_timeout', 1_000, 6 * 3_600_000, 'between 1s and 6h'],
  ['request_deadline', 1_000, 6 * 3_600_000, 'between 1s and 6h'],
  ['blob_deadline', 1_000, 24 * 3_600_000, 'between 1s and 24h'],
  ['commit_interval', 1_000, 3_600_000, 'between 1s and 1h'],
];

function crossFieldIssues(root: unknown): RawIssue[] {
  const out: RawIssue[] = [];
  if (!isObj(root)) return root === undefined || root === null ? [{ keyPath: [], message: 'the file is empty; it needs at least `tenants`' }] : [];

  for (const [key, min, max, why] of DURATION_BOUNDS) {
    const ms = typeof root[key] === 'string' ? parseDuration(root[key] as string) : undefined;
    if (ms !== undefined && (ms < min || ms > max)) out.push({ keyPath: [key], message: `must be ${why}` });
  }
  if (isObj(root.retry)) {
    const base = typeof root.retry.base_delay === 'string' ? parseDuration(root.retry.base_delay) : undefined;
    const max = typeof root.retry.max_delay === 'string' ? parseDuration(root.retry.max_delay) : undefined;
    if (base !== undefined && max !== undefined && base > max) out.push({ keyPath: ['retry', 'base_delay'], message: 'must not be longer than retry.max_delay' });
  }

  if (root.output !== undefined && root.outputs !== undefined) {
    out.push({ keyPath: ['outputs'], message: 'give either `output` or `outputs`, not both' });
  }
  const outputs: Array<[KeyPath, unknown]> = Array.isArray(root.outputs)
    ? root.outputs.map((o, i) => [['outputs', i], o])
    : root.output !== undefined ? [[['output'], root.output]] : [];
  // Each output type's own rules, unique names, at most one stdout: the output registry knows them.
  const entries = outputs.filter((e): e is [KeyPath, Obj] => isObj(e[1]));
  for (const issue of outputListIssues(entries.map(([, o]) => o), (i) => formatPath(entries[i]![0]))) {
    const at = entries[issue.index]![0];
    out.push({ keyPath: issue.key !== undefined ? [...at, issue.key] : at, message: issue.message, hint: issue.hint });
  }

  if (Array.isArray(root.tenants)) {
    const firstIndex = new Map<string, number>();
    root.tenants.forEach((t, i) => {
      if (!isObj(t)) return;
      const creds = ['client_secret', 'client_secret_file', 'certificate'].filter((k) => t[k] !== undefined);
      if (creds.length === 0) {
        out.push({ keyPath: ['tenants', i], message: 'needs one credential: client_secret, client_secret_file or certificate' });
      } else if (creds.length > 1) {
        out.push({ keyPath: ['tenants', i, creds[1]!], message: `give only one credential (${creds.join(' and ')} are both set)` });
      }
      if (isObj(t.certificate)) {
        const c = t.certificate;
        if ((c.certificate_file === undefined) === (c.thumbprint === undefined)) {
          out.push({ keyPath: ['tenants', i, 'certificate'], message: 'needs exactly one of certificate_file or thumbprint' });
        }
      }
      if (typeof t.tenant_id === 'string' && typeof t.client_id === 'string') {
        if (t.tenant_id.toLowerCase() === t.client_id.toLowerCase()) {
          out.push({
            keyPath: ['tenants', i, 'client_id'],
            message: 'is the same as tenant_id',
            hint: 'tenant_id is the Directory (tenant) ID, client_id the Application (client) ID of the app registration',
          });
        }
        const key = t.tenant_id.toLowerCase();
        const prev = firstIndex.get(key);
        if (prev !== undefined) out.push({ keyPath: ['tenants', i, 'tenant_id'], message: `is the same tenant as tenants[${prev}]`, hint: 'list each tenant once (give it several content_types instead)' });
        else firstIndex.set(key, i);
      }
    });
    // The same GUID used as a tenant id in one entry and as a client id in another: a classic swap.
    const clientIds = new Map<string, number>();
    root.tenants.forEach((t, i) => isObj(t) && typeof t.client_id === 'string' && clientIds.set(t.client_id.toLowerCase(), i));
    root.tenants.forEach((t, i) => {
      if (!isObj(t) || typeof t.tenant_id !== 'string') return;
      const j = clientIds.get(t.tenant_id.toLowerCase());
      if (j !== undefined && j !== i) out.push({ keyPath: ['tenants', i, 'tenant_id'], message: `is used as client_id in tenants[${j}]`, hint: 'tenant_id and client_id look swapped' });
    });
  }
  return out;
}
