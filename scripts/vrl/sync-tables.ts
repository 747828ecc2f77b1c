// Copies the RecordType -> name table of pipelines/record-types.yml into pipelines/vector/audit.vrl
// (between the BEGIN/END record-types markers), so the two paths cannot drift; `--check` only
// reports whether the VRL copy is current (exit 1 when not).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VRL_FILE = `${ROOT}pipelines/vector/audit.vrl`;
const BEGIN = /^(\s*)# BEGIN record-types.*$/m;
const END = /^\s*# END record-types.*$/m;

/** RecordType number -> name, as the ingest pipeline's script_event_code params hold it. */
export function pipelineRecordTypes(): Record<string, string> {
  const y = parse(readFileSync(`${ROOT}pipelines/record-types.yml`, 'utf8')) as {
    processors: { script?: { tag?: string; params?: { names?: Record<string, string> } } }[];
  };
  const names = y.processors.find((p) => p.script?.tag === 'script_event_code')?.script?.params?.names;
  if (!names) throw new Error('pipelines/record-types.yml: script_event_code params.names not found');
  return Object.fromEntries(Object.entries(names).map(([k, v]) => [String(k), String(v)]));
}

/** The table as written in the VRL program (entries are JSON key/value pairs). */
export function vrlRecordTypes(text = readFileSync(VRL_FILE, 'utf8')): Record<string, string> {
  const b = BEGIN.exec(text);
  const e = END.exec(text);
  if (!b || !e) throw new Error(`${VRL_FILE}: record-types markers not found`);
  const body = text.slice(b.index + b[0].length, e.index).trim().replace(/,\s*$/, '');
  return JSON.parse(`{${body}}`) as Record<string, string>;
}

export function renderVrl(text: string, names: Record<string, string>): string {
  const b = BEGIN.exec(text);
  const e = END.exec(text);
  if (!b || !e) throw new Error(`${VRL_FILE}: record-types markers not found`);
  const indent = b[1] ?? '';
  const lines = Object.entries(names).map(([k, v], i, all) => `${indent}${JSON.stringify(k)}: ${JSON.stringify(v)}${i < all.length - 1 ? ',' : ''}`);
  const endLine = text.slice(e.index).replace(/^\n/, '');
  return `${text.slice(0, b.index + b[0].length)}\n${lines.join('\n')}\n${endLine}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(VRL_FILE, 'utf8');
  const next = renderVrl(text, pipelineRecordTypes());
  if (process.argv.includes('--check')) {
    if (next !== text) {
      process.stderr.write('pipelines/vector/audit.vrl: record-types table is stale; run `npx tsx scripts/vrl/sync-tables.ts`\n');
      process.exit(1);
    }
  } else if (next !== text) {
    writeFileSync(VRL_FILE, next);
    process.stdout.write('pipelines/vector/audit.vrl: record-types table updated\n');
  }
}
