// Renders docs/config.md from schemas/config.schema.json (descriptions, types, defaults), so the
// reference never drifts from what the loader accepts; one section per registered output type.
// `npm run gen:config-docs` (scripts/gen-config-docs.ts) writes it; config-docs.test.ts checks it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OUTPUTS } from '../outputs/build.js';

type Json = Record<string, unknown>;

export const CONFIG_DOCS_PATH = 'docs/config.md';
const SCHEMA_PATH = 'schemas/config.schema.json';

const REF_NAMES: Record<string, string> = {
  duration: 'duration',
  guid: 'GUID',
  content_type: 'content type',
  tenant: 'tenant',
  output: 'output',
};

// Cross-field rules the loader checks on top of the schema (src/config/validate.ts).
const RULES = [
  'Each tenant has exactly one credential: `client_secret`, `client_secret_file` or `certificate`.',
  '`certificate` has exactly one of `certificate_file` or `thumbprint`; the private key is RSA with at least 2048 bits.',
  '`tenant_id` and `client_id` are GUIDs and differ; the same GUID used as a tenant id in one entry and a client id in another is reported as a swap.',
  'A tenant is listed once.',
  '`output` and `outputs` are mutually exclusive; `output` becomes a one-item `outputs` list. A `file` output needs `path`; at most one `stdout` output.',
  '`interval` 1s–24h, `initial_interval` ≤ 7d, `window` 1m–24h, `lookback` ≤ 7d, `request_timeout` 1s–1h, `blob_timeout` 1s–6h, `request_deadline` 1s–6h, `blob_deadline` 1s–24h, `commit_interval` 1s–1h, `retry.base_delay` ≤ `retry.max_delay`.',
  'A `${VAR}` whose variable is unset is an error naming the key that uses it.',
];

const EXAMPLE = `tenants:
  - tenant_id: 00000000-0000-0000-0000-000000000000   # Directory (tenant) ID
    client_id: 11111111-1111-1111-1111-111111111111   # Application (client) ID
    client_secret: \${O365_CLIENT_SECRET}              # the secret's Value, from the environment
    cloud: commercial
content_types: [Audit.AzureActiveDirectory, Audit.Exchange, Audit.SharePoint, Audit.General, DLP.All]
interval: 1m
initial_interval: 7d
only_future_events: false
state_dir: ./state
output: { type: file, path: ./o365.ndjson }`;

function refName(node: Json): string | undefined {
  const ref = node.$ref;
  return typeof ref === 'string' ? ref.replace('#/definitions/', '') : undefined;
}

function typeOf(node: Json, defs: Json): string {
  const ref = refName(node);
  if (ref !== undefined) {
    const def = defs[ref] as Json;
    if (Array.isArray(def.enum)) return `one of ${def.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
    return REF_NAMES[ref] ?? ref;
  }
  if (Array.isArray(node.enum)) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (node.type === 'array') {
    const items = node.items as Json;
    const inner = refName(items);
    if (inner === 'content_type') return 'list of content types';
    return `list of ${inner !== undefined ? `${REF_NAMES[inner] ?? inner}s` : typeOf(items, defs)}`;
  }
  let t = String(node.type ?? 'any');
  if (node.type === 'integer' && (node.minimum !== undefined || node.maximum !== undefined)) t += ` (${String(node.minimum ?? '')}–${String(node.maximum ?? '')})`;
  if (node.type === 'string' && typeof node.pattern === 'string' && node.pattern.startsWith('^https?')) t = 'URL';
  if (node.type === 'object' && node.properties === undefined && node.additionalProperties !== undefined) t = 'map of strings';
  return t;
}

function defaultOf(node: Json): string {
  if (!('default' in node)) return '';
  const d = node.default;
  if (Array.isArray(d)) return d.length > 2 ? 'all five' : d.map((x) => `\`${String(x)}\``).join(', ');
  if (d !== null && typeof d === 'object') return Object.keys(d).length === 0 ? '' : `\`${JSON.stringify(d)}\``;
  return `\`${String(d)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(props: Json, required: string[], defs: Json, prefix: string, extraDefaults: Record<string, string> = {}): string {
  const rows = ['| Key | Type | Default | Description |', '|---|---|---|---|'];
  for (const [key, raw] of Object.entries(props)) {
    // A bare reference (`format: {$ref: output_format}`) documents itself in its definition.
    const ref = refName(raw as Json);
    const node = ref !== undefined && (raw as Json).description === undefined ? { ...(defs[ref] as Json), ...(raw as Json) } : (raw as Json);
    const def = extraDefaults[key] ?? defaultOf(node);
    const req = required.includes(key) ? ' **(required)**' : '';
    rows.push(`| \`${prefix}${key}\`${req} | ${cell(typeOf(node, defs))} | ${cell(def)} | ${cell(String(node.description ?? ''))} |`);
    // Nested settings (an output's `retry`) are listed under their parent, one level deep.
    if (node.type === 'object' && node.properties !== undefined && prefix === '') {
      for (const [sub, rawSub] of Object.entries(node.properties as Json)) {
        const n = rawSub as Json;
        rows.push(`| \`${key}.${sub}\` | ${cell(typeOf(n, defs))} | ${cell(defaultOf(n))} | ${cell(String(n.description ?? ''))} |`);
      }
    }
  }
  return rows.join('\n');
}

export function renderConfigDocs(schema: Json): string {
  const defs = schema.definitions as Json;
  const props = schema.properties as Json;
  const tenant = defs.tenant as Json;
  const tenantProps = tenant.properties as Json;
  const cert = tenantProps.certificate as Json;
  const output = defs.output as Json;
  const outputTypes: Array<[string, string]> = OUTPUTS.map((o) => [`output_${o.key}`, o.types.map((t) => `\`type: ${t}\``).join(' / ')]);
  const duration = defs.duration as Json;

  const out: string[] = [];
  out.push(`<!-- GENERATED by scripts/gen-config-docs.ts from ${SCHEMA_PATH}. Do not edit: change the schema and run \`npm run gen:config-docs\`. -->`);
  out.push('', '# Configuration reference', '');
  out.push(String(schema.description), '');
  out.push('`o365-audit collect --config FILE` reads this file; `o365-audit check --config FILE` proves it against Microsoft. Every problem is reported at once with its key path and line (`config.yaml:7: tenants[1].client_secret: …`), and the process exits with code 2.', '');
  out.push('## Example', '', '```yaml', EXAMPLE, '```', '');
  out.push('More in [`examples/`](../examples).', '');
  out.push('## Top-level keys', '', table(props, (schema.required as string[]) ?? [], defs, ''), '');
  out.push('## `tenants[]`', '', String(tenant.description), '', table(tenantProps, (tenant.required as string[]) ?? [], defs, '', { label: 'the tenant id', publisher_identifier: 'the tenant id', content_types: 'the global `content_types`', proxy: 'the global `proxy`', ca_file: 'the global `ca_file`' }), '');
  out.push('### `tenants[].certificate`', '', String(cert.description), '', table(cert.properties as Json, (cert.required as string[]) ?? [], defs, 'certificate.'), '');
  out.push('## `output` / `outputs[]`', '', String(output.description), '');
  for (const [def, title] of outputTypes) {
    const d = defs[def] as Json | undefined;
    if (d === undefined) continue;
    out.push(`### ${title}`, '', String(d.description), '', table(d.properties as Json, (d.required as string[]) ?? [], defs, ''), '');
  }
  const format = defs.output_format as Json | undefined;
  if (format !== undefined) out.push('### `format`', '', String(format.description), '');
  out.push('## Durations', '', `${String(duration.description)} Grammar: \`${String(duration.pattern)}\`.`, '');
  out.push('## Rules checked beyond the schema', '', ...RULES.map((r) => `- ${r}`), '');
  out.push('## Secrets', '');
  out.push('Secrets (client secrets, private keys, proxy passwords) never appear in logs, error messages, the run summary or the state directory: they are registered when read and scrubbed from every text the program prints, and validation messages never echo values. Prefer `${ENV_VAR}` or `client_secret_file` to secrets written in the file.', '');
  return `${out.join('\n')}`;
}

export async function generateConfigDocs(root: string): Promise<string> {
  const schema = JSON.parse(await readFile(path.join(root, SCHEMA_PATH), 'utf8')) as Json;
  return renderConfigDocs(schema);
}
