// The pipeline cuts strings to fit their fields (pipelines/finalize.yml, script_cut_long_values, and
// the same rule in pipelines/vector/audit.vrl); the mappings decide what fits (ignore_above). The two
// must agree for every field the mappings generate, or a long value lands in _ignored on ES 8+
// (test/es/documents-es8-es9.test.ts proves it on real nodes; this names the field at once).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ES8_CAPABILITIES, generateMappings, loadFieldsDir, type MappingCapabilities } from './index.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const OPENSEARCH: MappingCapabilities = { flattened: 'flat_object', constantKeyword: 'with_value', matchOnlyText: true, wildcard: true, subobjects: false, unsignedLong: true };
const OSS: MappingCapabilities = { flattened: 'disabled_object', constantKeyword: 'none', matchOnlyText: false, wildcard: false, subobjects: false, unsignedLong: false };

type Limits = { [key: string]: number | Limits };
interface CutParams { default: number; limits: Limits }

function cutParams(): CutParams {
  const finalize = parse(readFileSync(`${ROOT}pipelines/finalize.yml`, 'utf8')) as { processors: Array<Record<string, { tag?: string; params?: CutParams }>> };
  const script = finalize.processors.map((p) => p['script']).find((s) => s?.tag === 'script_cut_long_values');
  if (script?.params === undefined) throw new Error('pipelines/finalize.yml has no script_cut_long_values with params');
  return script.params;
}

/** The limit the pipeline applies at `path`: the deepest number on the way down the nested limits. */
function limitAt(path: string, p: CutParams): number {
  let rule: number | Limits | undefined = p.limits;
  let limit = p.default;
  for (const key of path.split('.')) {
    if (typeof rule !== 'object') break;
    rule = rule[key];
    if (typeof rule === 'number') limit = rule;
  }
  return limit;
}

/** Dotted paths of the nested limits, with their value. */
function limitPaths(l: Limits, prefix = ''): Array<[string, number]> {
  return Object.entries(l).flatMap(([k, v]) => (typeof v === 'number' ? [[`${prefix}${k}`, v] as [string, number]] : limitPaths(v, `${prefix}${k}.`)));
}

interface Leaf { path: string; mapping: Record<string, unknown> }

function leaves(properties: Record<string, any>, prefix = ''): Leaf[] {
  return Object.entries(properties).flatMap(([k, m]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return m.properties ? leaves(m.properties, path) : [{ path, mapping: m }];
  });
}

/** What the mapping lets through without _ignored, in UTF-16 units (Infinity: any length). */
function fits(m: Record<string, unknown>): number {
  if (m['type'] === 'keyword' && m['index'] === false && m['doc_values'] === false && m['ignore_above'] === undefined) return Infinity;
  if (['keyword', 'wildcard', 'flattened'].includes(m['type'] as string)) return (m['ignore_above'] as number | undefined) ?? Infinity;
  return Infinity;
}

describe('long values: the pipeline cut and the mappings agree', () => {
  const params = cutParams();
  const fields = loadFieldsDir(`${ROOT}fields`);

  for (const [name, caps] of [['Elasticsearch 8/9', ES8_CAPABILITIES], ['OpenSearch', OPENSEARCH], ['Elasticsearch 7.10 OSS', OSS]] as const) {
    it(`${name}: every string field either fits what the pipeline leaves or is never cut`, () => {
      const { mappings } = generateMappings(fields, caps);
      const problems: string[] = [];
      for (const { path, mapping } of leaves(mappings.properties as Record<string, any>)) {
        const limit = limitAt(path, params);
        const room = fits(mapping);
        if (limit === 0 && room !== Infinity) problems.push(`${path}: never cut, but mapped with ignore_above ${room}`);
        if (limit > room) problems.push(`${path}: cut at ${limit}, but ignore_above is ${room}`);
        if (['keyword', 'wildcard', 'flattened'].includes(mapping['type'] as string) && room === Infinity && limit !== 0 && mapping['index'] !== false) {
          problems.push(`${path}: ${mapping['type']} with no ignore_above (the node's default decides, 8191 on ES logs data streams)`);
        }
      }
      for (const t of mappings.dynamic_templates) {
        const [id, body] = Object.entries(t)[0] as [string, { path_match: string; mapping: Record<string, unknown> }];
        if (body.mapping['type'] === 'object') continue;
        const limit = limitAt(body.path_match.replace(/\.\*$/, '.x'), params);
        if (limit > fits(body.mapping)) problems.push(`dynamic template ${id}: cut at ${limit}, but ignore_above is ${fits(body.mapping)}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('a limit leaves room for the marker, and the record itself is cut at 8191', () => {
    expect(params.default).toBeGreaterThan(11);
    expect(limitAt('o365.audit.Anything.Deep', params)).toBe(8191);
    expect(limitAt('event.original', params)).toBe(0);
    expect(limitAt('user.name', params)).toBe(1024);
  });

  it('the Vector program cuts with the same limits', () => {
    const vrl = readFileSync(`${ROOT}pipelines/vector/audit.vrl`, 'utf8');
    const paths = limitPaths(params.limits);
    const audit = limitAt('o365.audit', params);
    const wild = paths.filter(([k, v]) => v !== 0 && k !== 'o365.audit');
    expect(new Set(wild.map(([, v]) => v)).size, 'one limit for the wildcard group').toBe(1);
    expect(vrl).toContain(`parts = [[${audit}, audit], [${wild[0]![1]}, wild], [${params.default}, .]]`);
    for (const [f] of paths.filter(([k]) => k !== 'o365.audit')) expect(vrl, f).toContain(`del(.${f})`);
  });
});
