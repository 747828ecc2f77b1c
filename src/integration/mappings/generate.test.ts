import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ES8_CAPABILITIES, generateMappings, loadFieldsDir, type FieldDefinition, type MappingCapabilities } from './index.js';

const OSS: MappingCapabilities = { flattened: 'disabled_object', constantKeyword: 'none', matchOnlyText: false, wildcard: false, subobjects: false, unsignedLong: false };
const OPENSEARCH: MappingCapabilities = { flattened: 'flat_object', constantKeyword: 'with_value', matchOnlyText: true, wildcard: true, subobjects: false, unsignedLong: true };

const sample: FieldDefinition[] = [
  { name: 'data_stream.type', type: 'constant_keyword' },
  { name: 'event.module', type: 'constant_keyword', value: 'o365' },
  { name: '@timestamp', type: 'date' },
  { name: 'source.ip', external: 'ecs' },
  { name: 'message', external: 'ecs' },
  { name: 'email.attachments', external: 'ecs' },
  { name: 'email.attachments.file.name', external: 'ecs' },
  {
    name: 'o365.audit',
    type: 'group',
    fields: [
      { name: 'Id', type: 'keyword' },
      { name: 'OperationCount', type: 'integer' },
      { name: 'Members', type: 'flattened', ignore_above: 512 },
      { name: 'Actor', type: 'object', object_type: 'keyword', object_type_mapping_type: '*' },
      { name: 'Actor.ID', type: 'keyword' },
      { name: 'Parameters.*', type: 'object', object_type: 'keyword' },
      { name: 'Flag', type: 'boolean' },
    ],
  },
];

describe('generateMappings', () => {
  it('maps groups to properties, keyword with ignore_above 1024, integer to long, ECS externals to their types', () => {
    const { mappings } = generateMappings(sample);
    const audit = (mappings.properties['o365'] as any).properties.audit.properties;
    expect(audit.Id).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(audit.OperationCount).toEqual({ type: 'long' });
    expect(audit.Flag).toEqual({ type: 'boolean' });
    expect((mappings.properties['source'] as any).properties.ip).toEqual({ type: 'ip' });
    expect(mappings.properties['message']).toEqual({ type: 'match_only_text' });
    expect(mappings.properties['@timestamp']).toEqual({ type: 'date' });
    const attachments = (mappings.properties['email'] as any).properties.attachments;
    expect(attachments.type).toBe('nested');
    expect(attachments.properties.file.properties.name.type).toBe('keyword');
  });

  it('turns object_type into an object-first pair of dynamic templates and keeps declared children', () => {
    const { mappings } = generateMappings(sample);
    const names = mappings.dynamic_templates.map((t) => Object.keys(t)[0]);
    expect(names).toEqual(['o365.audit.Actor.objects', 'o365.audit.Actor', 'o365.audit.Parameters.*']);
    expect(mappings.dynamic_templates[0]).toEqual({ 'o365.audit.Actor.objects': { path_match: 'o365.audit.Actor.*', match_mapping_type: 'object', mapping: { type: 'object' } } });
    expect(mappings.dynamic_templates[1]).toEqual({ 'o365.audit.Actor': { path_match: 'o365.audit.Actor.*', match_mapping_type: '*', mapping: { type: 'keyword', ignore_above: 1024 } } });
    expect((mappings.properties['o365'] as any).properties.audit.properties.Actor).toEqual({ type: 'object', properties: { ID: { type: 'keyword', ignore_above: 1024 } } });
  });

  it('adapts to the cluster: ES 8 keeps flattened and constant_keyword, OSS falls back, OpenSearch uses flat_object', () => {
    const es8 = generateMappings(sample, ES8_CAPABILITIES);
    expect((es8.mappings.properties['o365'] as any).properties.audit.properties.Members).toEqual({ type: 'flattened', ignore_above: 512 });
    expect((es8.mappings.properties['data_stream'] as any).properties.type).toEqual({ type: 'constant_keyword' });
    expect(es8.notes).toEqual([]);

    const oss = generateMappings(sample, OSS);
    expect((oss.mappings.properties['o365'] as any).properties.audit.properties.Members).toEqual({ type: 'object', enabled: false });
    expect((oss.mappings.properties['event'] as any).properties.module).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(oss.mappings.properties['message']).toEqual({ type: 'text' });
    expect(oss.notes.join('\n')).toMatch(/flattened.*not indexed/);

    const os = generateMappings(sample, OPENSEARCH);
    expect((os.mappings.properties['o365'] as any).properties.audit.properties.Members).toEqual({ type: 'flat_object' });
    expect((os.mappings.properties['event'] as any).properties.module).toEqual({ type: 'constant_keyword', value: 'o365' });
    expect((os.mappings.properties['data_stream'] as any).properties.type).toEqual({ type: 'keyword', ignore_above: 1024 });
  });

  it('inherits ignore_above from the nearest parent that declares one, in properties, flattened and dynamic templates', () => {
    const fields: FieldDefinition[] = [
      { name: 'r', type: 'object', object_type: 'keyword', ignore_above: 8191 },
      { name: 'r.Id', type: 'keyword' },
      { name: 'r.Short', type: 'keyword', ignore_above: 64 },
      { name: 'r.Data', type: 'flattened' },
      { name: 'r.Actor', type: 'object', object_type: 'keyword' },
      { name: 'r.Actor.ID', type: 'keyword' },
      { name: 'other', type: 'keyword' },
    ];
    const { mappings } = generateMappings(fields);
    const r = (mappings.properties['r'] as any).properties;
    expect(r.Id).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(r.Short).toEqual({ type: 'keyword', ignore_above: 64 });
    expect(r.Data).toEqual({ type: 'flattened', ignore_above: 8191 });
    expect(r.Actor.properties.ID).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(mappings.properties['other']).toEqual({ type: 'keyword', ignore_above: 1024 });
    const templates = Object.fromEntries(mappings.dynamic_templates.map((t) => Object.entries(t)[0]!)) as Record<string, any>;
    expect(templates['r'].mapping).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(templates['r.Actor'].mapping).toEqual({ type: 'keyword', ignore_above: 8191 });
  });

  it('gives a keyword that is neither indexed nor in doc values (event.original) no ignore_above, so a long value is never listed in _ignored', () => {
    const { mappings } = generateMappings([{ name: 'event.original', external: 'ecs' }]);
    expect((mappings.properties['event'] as any).properties.original).toEqual({ type: 'keyword', index: false, doc_values: false });
  });

  it('counts objects, leaves and multi-fields, and sizes the limit with headroom', () => {
    const g = generateMappings([{ name: 'a.b', type: 'keyword' }, { name: 'user.name', external: 'ecs' }]);
    // a, a.b, user, user.name, user.name.text
    expect(g.fieldCount).toBe(5);
    expect(g.totalFieldsLimit).toBeGreaterThanOrEqual(g.fieldCount + 1000);
  });

  it('fails clearly on unknown ECS fields, missing types and leaf/object conflicts', () => {
    expect(() => generateMappings([{ name: 'nope.field', external: 'ecs' }])).toThrow(/nope\.field.*ECS table/);
    expect(() => generateMappings([{ name: 'x' }])).toThrow(/x has no type/);
    expect(() => generateMappings([{ name: 'x', type: 'keyword' }, { name: 'x.y', type: 'keyword' }])).toThrow(/x\.y/);
  });

  it('generates mappings for the repository fields/ without error', () => {
    const dir = fileURLToPath(new URL('../../../fields', import.meta.url));
    const g = generateMappings(loadFieldsDir(dir));
    expect(g.fieldCount).toBeGreaterThan(100);
    expect((g.mappings.properties['o365'] as any).properties.audit.properties).toBeDefined();
  });
});
