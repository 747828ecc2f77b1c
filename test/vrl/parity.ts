// Vector parity helpers: runs pipelines/vector/audit.vrl through the official VRL CLI over test
// events, and compares its documents with the ingest pipeline's (Elasticsearch goldens) field by
// field, applying the documented exceptions of pipelines/vector/PARITY.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VRL_PROGRAM = join(ROOT, 'pipelines/vector/audit.vrl');
export const PARITY_DOC = join(ROOT, 'pipelines/vector/PARITY.md');

export type Rule = 'json-text' | 'error-text' | 'not-in-vector' | 'trailing-dot';
export interface Exception {
  field: string;
  rule: Rule;
  reason: string;
}

/** The machine-read table of PARITY.md: rows `| \`field\` | rule | reason |` under "## Exceptions". */
export function loadExceptions(text = readFileSync(PARITY_DOC, 'utf8')): Exception[] {
  const section = text.split(/^## /m).find((s) => s.startsWith('Exceptions'));
  if (!section) throw new Error(`${PARITY_DOC}: no "## Exceptions" section`);
  const rules: Rule[] = ['json-text', 'error-text', 'not-in-vector', 'trailing-dot'];
  const out: Exception[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*([a-z-]+)\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    if (!rules.includes(m[2] as Rule)) throw new Error(`${PARITY_DOC}: unknown rule ${m[2]} for ${m[1]}`);
    out.push({ field: m[1]!, rule: m[2] as Rule, reason: m[3]! });
  }
  return out;
}

/**
 * Runs the VRL CLI once over all events (one JSON object per line) and returns one document per
 * event. A runtime error of the program (which would make Vector pass the event unmodified) is a
 * failure here: every input line must give exactly one output object.
 */
export function runVrl(bin: string, events: unknown[], program = VRL_PROGRAM): Record<string, unknown>[] {
  const dir = mkdtempSync(join(tmpdir(), 'o365-vrl-'));
  try {
    const input = join(dir, 'events.ndjson');
    writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    // The CLI prints objects in VRL's own notation (timestamps as t'...', raw control characters),
    // so the program's event is returned as JSON text instead: one quoted string per event.
    const wrapped = join(dir, 'program.vrl');
    writeFileSync(wrapped, `${readFileSync(program, 'utf8')}\nencode_json(.)\n`);
    const run = spawnSync(bin, ['--input', input, '--program', wrapped], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
      env: { ...process.env, TZ: 'UTC' },
    });
    if (run.error || run.status !== 0) {
      throw new Error(`vrl failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr.slice(0, 4000)}`);
    }
    const docs = run.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l, i) => {
        if (!l.startsWith('"')) throw new Error(`vrl: event ${i}: ${l.slice(0, 2000)}`);
        return JSON.parse(JSON.parse(l) as string) as unknown;
      });
    if (docs.length !== events.length) {
      throw new Error(`vrl printed ${docs.length} documents for ${events.length} events; stderr: ${run.stderr.slice(0, 4000)}`);
    }
    return docs as Record<string, unknown>[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Leaf fields of a document: objects are walked, arrays are values (compared whole). */
export function flatten(doc: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const entries = Object.entries(doc);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, doc);
  }
  return out;
}

/** JSON with object keys sorted (array order kept): equality of JSON values. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

export interface FieldDiff {
  field: string;
  es: unknown;
  vector: unknown;
  /** The documented exception that covers the difference, if any. */
  exception?: Exception;
}

function covers(e: Exception, field: string): boolean {
  return field === e.field || field.startsWith(`${e.field}.`);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

/** The error texts without the JSON parser's own words (Jackson vs serde_json). */
function errorNeutral(v: unknown): unknown {
  return Array.isArray(v) ? v.map((m) => (typeof m === 'string' ? m.replace(/(the record is not valid JSON): .*/s, '$1') : m)) : v;
}

/** Field-by-field differences; each carries the exception that explains it, when one does. */
export function diffDocs(es: unknown, vector: unknown, exceptions: Exception[]): FieldDiff[] {
  const a = flatten(es);
  const b = flatten(vector);
  const out: FieldDiff[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(field);
    const y = b.get(field);
    if (a.has(field) && b.has(field) && canonical(x) === canonical(y)) continue;
    const exc = exceptions.find((e) => covers(e, field));
    let explained: Exception | undefined;
    if (exc?.rule === 'json-text' && jsonEqual(x, y)) explained = exc;
    else if (exc?.rule === 'error-text' && canonical(errorNeutral(x)) === canonical(errorNeutral(y))) explained = exc;
    else if (exc?.rule === 'not-in-vector' && !b.has(field)) explained = exc;
    else if (exc?.rule === 'trailing-dot' && typeof x === 'string' && x.endsWith('.') && x.slice(0, -1) === y) explained = exc;
    out.push({ field, es: x, vector: y, exception: explained });
  }
  return out.sort((p, q) => (p.field < q.field ? -1 : 1));
}
