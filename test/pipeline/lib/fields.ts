// Reads the data stream's fields/*.yml (package-spec format, `external: ecs` resolved from
// @elastic/ecs) and answers "is this output path declared?" for the pipeline tests (stricter than
// production: the o365.audit.* catch-all does not count).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EcsFlat } from '@elastic/ecs';

export const FIELDS_DIR = new URL('../../../fields/', import.meta.url).pathname;
/** The production catch-all for unknown record keys (o365.audit is an object with object_type
 * keyword); tests require every real key to be declared unless a case allows the catch-all. */
export const CATCH_ALL = 'o365.audit';

export interface FieldDecl {
  path: string;
  type: string;
  objectType?: string;
  external?: boolean;
  ignoreAbove?: number;
}

interface RawField {
  name: string;
  type?: string;
  external?: string;
  fields?: RawField[];
  object_type?: string;
  ignore_above?: number;
}

export function loadFields(dir = FIELDS_DIR): FieldDecl[] {
  const out: FieldDecl[] = [];
  const walk = (list: RawField[], prefix: string): void => {
    for (const f of list) {
      const path = prefix ? `${prefix}.${f.name}` : f.name;
      if (f.external === 'ecs') {
        const e = (EcsFlat as Record<string, { type: string }>)[path];
        if (!e) throw new Error(`fields: ${path} is declared external: ecs but is not an ECS field`);
        out.push({ path, type: e.type, external: true });
        continue;
      }
      if (f.type === 'group' || (f.fields && !f.type)) {
        walk(f.fields ?? [], path);
        continue;
      }
      out.push({ path, type: f.type ?? 'keyword', objectType: f.object_type, ignoreAbove: f.ignore_above });
      if (f.fields) walk(f.fields, path);
    }
  };
  for (const file of readdirSync(dir).filter((x) => x.endsWith('.yml')).sort()) {
    walk(parse(readFileSync(join(dir, file), 'utf8')) as RawField[], '');
  }
  return out;
}

/** Leaf paths of a document (array elements share their parent's path). */
export function leafPaths(doc: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(doc)) {
    for (const x of doc) leafPaths(x, prefix, out);
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) leafPaths(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.add(prefix);
  }
  return out;
}

/** Returns the declaration covering `path`, or undefined. The catch-all counts only when allowed. */
export function declarationFor(path: string, decls: FieldDecl[], allowCatchAll = false): FieldDecl | undefined {
  const exact = decls.find((d) => d.path === path);
  if (exact) return exact;
  return decls.find(
    (d) =>
      (d.path !== CATCH_ALL || allowCatchAll) &&
      path.startsWith(d.path + '.') &&
      (d.type === 'flattened' || (d.type === 'object' && d.objectType)),
  );
}
