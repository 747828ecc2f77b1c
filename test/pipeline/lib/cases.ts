// Test cases of test/pipeline: `test-<case>.json` inputs ({"events":[...]}), their goldens
// `test-<case>.json-expected.json` ({"expected":[...]}) and the shared test-common-config.yml.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const CASES_DIR = new URL('../', import.meta.url).pathname;

export interface CaseConfig {
  /** Removed from actual and expected documents before comparing; the value must match the regex. */
  dynamic_fields: Record<string, string>;
  /** The case's events are meant to end as event.kind pipeline_error (hostile input). */
  expect_errors?: boolean;
  /** Record keys unknown to fields/ are expected: the production catch-all (o365.audit.*) counts. */
  allow_catch_all?: boolean;
}

export interface Case {
  file: string;
  name: string;
  events: Record<string, unknown>[];
  expected?: unknown[];
  /** test-common-config.yml merged with the case's own test-<case>.json-config.yml. */
  config: CaseConfig;
}

function readConfig(dir: string, file: string): Partial<CaseConfig> {
  const p = join(dir, file);
  return existsSync(p) ? ((parse(readFileSync(p, 'utf8')) as Partial<CaseConfig>) ?? {}) : {};
}

/** The cases of test/pipeline, or of another directory laid out the same way (e.g. a corpus). */
export function loadCases(dir = CASES_DIR): Case[] {
  return readdirSync(dir)
    .filter((f) => /^test-.*\.json$/.test(f) && !f.endsWith('-expected.json'))
    .sort()
    .map((file) => {
      const exp = join(dir, `${file}-expected.json`);
      const common = readConfig(dir, 'test-common-config.yml');
      const own = readConfig(dir, `${file}-config.yml`);
      const config: CaseConfig = {
        dynamic_fields: { ...common.dynamic_fields, ...own.dynamic_fields },
        expect_errors: own.expect_errors ?? false,
        allow_catch_all: own.allow_catch_all ?? false,
      };
      return {
        config,
        file,
        name: file.slice(5, -5),
        events: (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: Record<string, unknown>[] }).events,
        expected: existsSync(exp) ? (JSON.parse(readFileSync(exp, 'utf8')) as { expected: unknown[] }).expected : undefined,
      };
    });
}

/** Pretty JSON with sorted keys: goldens and sample_event.json diff cleanly between runs. */
export function prettySorted(v: unknown): string {
  return JSON.stringify(JSON.parse(canonical(v)), null, 2) + '\n';
}

export function writeGolden(c: Case, docs: unknown[]): void {
  writeFileSync(join(CASES_DIR, `${c.file}-expected.json`), prettySorted({ expected: docs }));
}

/** Deletes dynamic fields (dotted paths) from a document copy; returns the copy. */
export function stripDynamic(doc: unknown, dynamic: string[]): any {
  const copy = structuredClone(doc) as Record<string, any>;
  for (const path of dynamic) {
    const parts = path.split('.');
    let node: any = copy;
    for (const p of parts.slice(0, -1)) node = node?.[p];
    if (node && typeof node === 'object') delete node[parts[parts.length - 1]!];
  }
  return copy;
}

/** Key-sorted JSON, for order-independent comparison of objects (array order still matters). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
