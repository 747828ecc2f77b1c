// Reads the data stream's fields/*.yml (package-spec format, `external: ecs` resolved from
// @elastic/ecs), answers "is this output path declared?", and builds a stand-in index template for
// the tests until the mappings generator (src/integration/mappings) is used instead.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EcsFlat } from '@elastic/ecs';
import type { Engine } from './engine.js';

export const FIELDS_DIR = new URL('../../../fields/', import.meta.url).pathname;
/** The production catch-all for unknown record keys; tests require every real key to be declared. */
export const CATCH_ALL = 'o365.audit.*';

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

/** Returns the declaration covering `path`, or undefined. The catch-all never counts. */
export function declarationFor(path: string, decls: FieldDecl[]): FieldDecl | undefined {
  const exact = decls.find((d) => d.path === path);
  if (exact) return exact;
  return decls.find(
    (d) => d.path !== CATCH_ALL && path.startsWith(d.path + '.') && (d.type === 'flattened' || (d.type === 'object' && d.objectType)),
  );
}

function leafMapping(d: FieldDecl, engine: Engine): Record<string, unknown> {
  switch (d.type) {
    case 'keyword':
    case 'constant_keyword':
    case 'wildcard':
      return { type: 'keyword', ignore_above: d.path === 'event.original' ? undefined : (d.ignoreAbove ?? 1024), ...(d.path === 'event.original' ? { index: false, doc_values: false } : {}) };
    case 'text':
    case 'match_only_text':
      return { type: 'text' };
    case 'integer':
    case 'short':
    case 'byte':
    case 'long':
      return { type: 'long' };
    case 'float':
    case 'half_float':
    case 'scaled_float':
    case 'double':
      return { type: 'double' };
    case 'flattened':
      if (engine.name === 'opensearch') return { type: 'flat_object' };
      return engine.dataStreams ? { type: 'flattened', ignore_above: d.ignoreAbove ?? 1024 } : { type: 'object', enabled: false };
    case 'object':
      return { type: 'object' };
    default:
      return { type: d.type };
  }
}

/** Stand-in for the mappings generator: properties + dynamic templates for object_type wildcards. */
export function buildMappings(decls: FieldDecl[], engine: Engine): Record<string, unknown> {
  const root: Record<string, any> = {};
  const dynamicTemplates: unknown[] = [];
  for (const d of decls) {
    if (d.path === CATCH_ALL || d.objectType) {
      const base = d.path.endsWith('.*') ? d.path.slice(0, -2) : d.path;
      for (const mt of ['string', 'long', 'double', 'boolean']) {
        dynamicTemplates.push({
          [`${base}.${mt}`.replace(/\W/g, '_')]: { path_match: `${base}.*`, match_mapping_type: mt, mapping: { type: d.objectType ?? 'keyword', ignore_above: 1024 } },
        });
      }
      if (d.path === CATCH_ALL) continue;
    }
    const parts = d.path.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= { properties: {} };
      node[p].properties ??= {};
      node = node[p].properties;
    }
    const last = parts[parts.length - 1]!;
    const m = d.objectType ? { type: 'object' } : leafMapping(d, engine);
    node[last] = { ...(node[last] ?? {}), ...m };
    if (m.type === 'nested' || (m.type === 'object' && m.enabled !== false)) node[last].properties ??= {};
  }
  // Parents of sub-paths declared under an object with children stay objects.
  return { dynamic_templates: dynamicTemplates, properties: root };
}
