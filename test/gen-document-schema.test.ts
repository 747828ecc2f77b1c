// The fields.yml → JSON Schema conversion: nesting, ES types, ECS resolution, and the errors that
// tell a fields/ author what is wrong and where.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EcsFlat } from '@elastic/ecs';
import { buildDocumentSchema, FieldsError, type EcsFieldDef, type JsonSchema } from '../src/integration/schema/document-schema.js';
import { generateAll, schemaToTypes } from '../scripts/gen-types.js';

const ecs = EcsFlat as unknown as Record<string, EcsFieldDef>;
const build = (text: string, more: { path: string; text: string }[] = []) => buildDocumentSchema([{ path: 'fields/test.yml', text }, ...more], ecs);
const prop = (schema: JsonSchema, dotted: string): JsonSchema => {
  let node = schema;
  for (const key of dotted.split('.')) node = (node.properties as Record<string, JsonSchema>)[key]!;
  return node;
};

describe('buildDocumentSchema', () => {
  it('nests dotted names and groups into closed objects', () => {
    const schema = build(`
- name: o365.audit
  type: group
  fields:
    - name: Item.Subject
      type: keyword
- name: o365.audit.Count
  type: long
`);
    const audit = prop(schema, 'o365.audit');
    expect(audit.additionalProperties).toBe(false);
    expect(Object.keys(audit.properties as object)).toEqual(['Count', 'Item']);
    expect(prop(schema, 'o365.audit.Item').additionalProperties).toBe(false);
    expect(prop(schema, 'o365.audit.Count')).toEqual({ 'x-es-type': 'long', type: ['integer', 'array', 'null'], items: { type: 'integer' } });
    expect(schema.additionalProperties).toBe(false);
  });

  it('maps ES types to JSON types', () => {
    const schema = build(`
- {name: k, type: keyword}
- {name: t, type: match_only_text}
- {name: f, type: float}
- {name: b, type: boolean}
- {name: d, type: date}
- {name: d2, type: date, date_format: "dd/MM/yyyy"}
- {name: i, type: ip}
- {name: fl, type: flattened}
- {name: o, type: object}
- {name: c, type: constant_keyword, value: o365}
- {name: arr, type: keyword, normalize: [array]}
- {name: alias_field, type: alias, path: k}
`);
    // The single-value form: `items` of a `T | T[]` union, else the field itself.
    const first = (name: string) => (Array.isArray(prop(schema, name).type) && prop(schema, name).items ? prop(schema, name).items : prop(schema, name)) as JsonSchema;
    expect(first('k').type).toBe('string');
    expect(first('t').type).toBe('string');
    expect(first('f').type).toBe('number');
    expect(first('b').type).toBe('boolean');
    expect(first('d')).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(first('d2')).toEqual({ type: 'string' });
    expect(first('i')).toMatchObject({ type: 'string', tsType: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] });
    expect(first('fl')).toEqual({ type: 'object' });
    expect(prop(schema, 'o')).toMatchObject({ type: ['object', 'array', 'null'], additionalProperties: true, items: { type: 'object' } });
    expect(prop(schema, 'c')).toMatchObject({ const: 'o365' });
    expect(prop(schema, 'arr')).toMatchObject({ type: ['array', 'null'], items: { type: 'string' } });
    expect(Object.keys(schema.properties as object)).not.toContain('alias_field');
  });

  it('turns nested into an array of closed objects and name.* into typed open keys', () => {
    const schema = build(`
- name: Members
  type: nested
  fields:
    - {name: UPN, type: keyword}
- name: Parameters.*
  type: object
  object_type: long
`);
    expect(prop(schema, 'Members')).toMatchObject({ type: ['array', 'null'], items: { type: 'object', additionalProperties: false } });
    const parameters = prop(schema, 'Parameters');
    expect(parameters.properties).toBeUndefined();
    expect(parameters.additionalProperties).toEqual({ $ref: '#/definitions/dynamic_long' });
    expect((schema.definitions as Record<string, JsonSchema>).dynamic_long).toMatchObject({
      type: ['integer', 'object', 'array', 'null'],
      additionalProperties: { $ref: '#/definitions/dynamic_long' },
      items: { $ref: '#/definitions/dynamic_long' },
    });
  });

  it('resolves external: ecs with its type, normalize and allowed values', () => {
    const schema = build(`
- {name: event.category, external: ecs}
- {name: source.ip, external: ecs}
- name: user
  type: group
  fields:
    - {name: name, external: ecs, description: Overridden.}
`);
    expect(prop(schema, 'event.category')).toMatchObject({ type: ['array', 'null'], items: { enum: expect.arrayContaining(['authentication', 'iam']) } });
    expect(prop(schema, 'source.ip')['x-es-type']).toBe('ip');
    expect(prop(schema, 'user.name')).toMatchObject({ description: 'Overridden.', 'x-es-type': 'keyword' });
  });

  it('names the file and field of every mistake', () => {
    expect(() => build('- {name: not.in.ecs, external: ecs}')).toThrow(/fields\/test\.yml: not\.in\.ecs is declared "external: ecs" but ECS has no such field/);
    expect(() => build('- {name: x, type: strange}')).toThrow(/fields\/test\.yml: x: unsupported field type "strange"/);
    expect(() => build('- {name: x, type: keyword}', [{ path: 'fields/b.yml', text: '- {name: x, type: long}' }])).toThrow(
      /x is declared as keyword in fields\/test\.yml and as long in fields\/b\.yml/,
    );
    expect(() => build('- {name: x, type: keyword}\n- {name: x.y, type: keyword}')).toThrow(/x is a keyword field in fields\/test\.yml but also has sub-fields \(y\)/);
    expect(() => build('- {type: keyword}')).toThrow(FieldsError);
    expect(() => build('a: [unclosed')).toThrow(/fields\/test\.yml: not valid YAML/);
  });

  it('is deterministic: the same fields give byte-identical output whatever the order of declaration', () => {
    const a = build('- {name: b.z, type: keyword}\n- {name: a, type: long}\n- {name: b.y, type: keyword}');
    const b = build('- {name: b.y, type: keyword}\n- {name: a, type: long}\n- {name: b.z, type: keyword}');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('generated types', () => {
  it('types a document schema with T | T[] and carries the banner', async () => {
    const schema = build('- {name: "@timestamp", type: date}\n- {name: user.name, type: keyword}\n- {name: tags, type: keyword, normalize: [array]}');
    const ts = await schemaToTypes(schema, 'schemas/audit-document.schema.json', '.');
    expect(ts).toMatch(/^\/\* eslint-disable \*\/\n\/\*\*\n \* GENERATED by scripts\/gen-types\.ts from schemas\/audit-document\.schema\.json\./);
    expect(ts).toContain("'@timestamp': string;");
    expect(ts).toContain('name?: string | string[] | null;');
    expect(ts).toContain('tags?: string[] | null;');
  });

  it('generates the document schema, its types and docs from a fields folder', async () => {
    const files = await generateAll({ root: path.resolve(import.meta.dirname, '..'), fieldsDir: 'test/fixtures/fields' });
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['schemas/audit-document.schema.json', 'src/generated/audit-document.ts', 'docs/document-schema.md']));
    expect(files.find((f) => f.path === 'docs/document-schema.md')!.content).toContain('| `o365.audit.Members.UPN` | keyword |');
  });
});

describe('dynamic (object_type) objects', () => {
  it('accept nested objects and arrays at any depth and report a wrong leaf at its own path', async () => {
    const { createValidator } = await import('../src/integration/validate/validator.js');
    const schema = build('- {name: Item, type: object, object_type: keyword}');
    const v = createValidator('document', { schema });
    expect(v.validate({ Item: { ParentFolder: { Path: '\\Inbox', Ids: ['a', 'b'] }, Attachments: [{ Name: 'x' }] } })).toEqual([]);
    expect(v.validate({ Item: [{ Id: 'a' }] })).toEqual([]);
    expect(v.validate({ Item: null })).toEqual([]);
    expect(v.validate({ Item: { ParentFolder: { Size: 12 } } })).toEqual([
      { path: '/Item/ParentFolder/Size', field: 'Item.ParentFolder.Size', reason: 'must be a string or an object or an array (keyword field), got integer' },
    ]);
    expect(v.validate({ Item: 'text' }).map((i) => i.path)).toEqual(['/Item']);
  });
});
