// Builds the JSON Schema of an output document (schemas/audit-document.schema.json) from the
// integration package's fields/*.yml (package-spec format), resolving `external: ecs` entries
// from @elastic/ecs. Pure functions plus readFieldsFiles(); scripts/gen-types.ts writes the result
// and the validator tests build schemas from fixtures with the same code.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface FieldsFile {
  /** Path shown in errors, e.g. `fields/ecs.yml`. */
  path: string;
  text: string;
}

/** The subset of an ECS flat field definition (`@elastic/ecs` EcsFlat) that the schema uses. */
export interface EcsFieldDef {
  type: string;
  description?: string;
  normalize?: string[];
  allowed_values?: { name: string }[];
  expected_values?: string[];
  pattern?: string;
  object_type?: string;
}

export type JsonSchema = { [key: string]: unknown };

interface FieldDef {
  name: string;
  type: string;
  description?: string;
  normalize: string[];
  enumValues?: string[];
  pattern?: string;
  objectType?: string;
  value?: unknown;
  /** A custom `date_format` replaces the default ISO pattern: any string is then accepted. */
  dateFormat?: string;
  enabled: boolean;
  source: string;
}

interface Node {
  def?: FieldDef;
  children: Map<string, Node>;
}

const STRING_TYPES = new Set(['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text', 'version', 'binary']);
const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);
const NUMBER_TYPES = new Set(['double', 'float', 'half_float', 'scaled_float']);
const OTHER_LEAF_TYPES = new Set(['date', 'date_nanos', 'boolean', 'ip', 'geo_point', 'flattened', 'histogram']);
const CONTAINER_TYPES = new Set(['group', 'object', 'nested']);

// Elasticsearch's default `strict_date_optional_time`: a date, optionally with a time and zone.
export const DATE_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}(:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$';

export class FieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsError';
  }
}

function isLeafType(type: string): boolean {
  return STRING_TYPES.has(type) || INTEGER_TYPES.has(type) || NUMBER_TYPES.has(type) || OTHER_LEAF_TYPES.has(type);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((v) => String(typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v));
}

/** Turns one fields.yml entry (already merged with its ECS definition) into a FieldDef. */
function toDef(entry: Record<string, unknown>, name: string, source: string, ecs: EcsFieldDef | undefined): FieldDef {
  const pick = <T>(key: string, fromEcs: T | undefined): T | undefined => (key in entry ? (entry[key] as T) : fromEcs);
  const type = pick<string>('type', ecs?.type) ?? (Array.isArray(entry.fields) ? 'group' : 'keyword');
  const ecsEnum = ecs?.allowed_values?.map((v) => v.name) ?? ecs?.expected_values;
  return {
    name,
    type: type === 'integer' ? 'long' : type,
    description: pick<string>('description', ecs?.description)?.trim(),
    normalize: stringList(pick('normalize', ecs?.normalize)) ?? [],
    enumValues: stringList(entry.expected_values) ?? ecsEnum,
    pattern: pick<string>('pattern', ecs?.pattern),
    objectType: pick<string>('object_type', ecs?.object_type),
    value: entry.value,
    dateFormat: typeof entry.date_format === 'string' ? entry.date_format : undefined,
    enabled: entry.enabled !== false,
    source,
  };
}

/** Flattens the entries of one fields.yml (groups, dotted names) into definitions with full names. */
function collect(entries: unknown, prefix: string, source: string, ecs: Record<string, EcsFieldDef>, out: FieldDef[]): void {
  if (!Array.isArray(entries)) throw new FieldsError(`${source}: expected a YAML list of fields${prefix ? ` under ${prefix}` : ''}`);
  for (const raw of entries) {
    const entry = asRecord(raw);
    if (!entry || typeof entry.name !== 'string' || entry.name === '') {
      throw new FieldsError(`${source}: every field needs a non-empty string "name"${prefix ? ` (under ${prefix})` : ''}`);
    }
    const name = prefix ? `${prefix}.${entry.name}` : entry.name;
    let ecsDef: EcsFieldDef | undefined;
    if (entry.external !== undefined) {
      if (entry.external !== 'ecs') throw new FieldsError(`${source}: ${name}: unsupported external "${String(entry.external)}"`);
      ecsDef = ecs[name];
      if (!ecsDef) throw new FieldsError(`${source}: ${name} is declared "external: ecs" but ECS has no such field`);
    }
    const def = toDef(entry, name, source, ecsDef);
    if (def.type === 'alias') continue; // an alias cannot be sent in a document
    if (!isLeafType(def.type) && !CONTAINER_TYPES.has(def.type)) {
      throw new FieldsError(`${source}: ${name}: unsupported field type "${def.type}"`);
    }
    out.push(def);
    if (entry.fields !== undefined) collect(entry.fields, name, source, ecs, out);
  }
}

function insert(root: Node, def: FieldDef): void {
  let node = root;
  for (const segment of def.name.split('.')) {
    let child = node.children.get(segment);
    if (!child) {
      child = { children: new Map() };
      node.children.set(segment, child);
    }
    node = child;
  }
  const previous = node.def;
  if (previous && previous.type !== def.type) {
    throw new FieldsError(`${def.name} is declared as ${previous.type} in ${previous.source} and as ${def.type} in ${def.source}`);
  }
  node.def = previous ? { ...previous, ...def, description: def.description ?? previous.description } : def;
}

function withDescription(schema: JsonSchema, def: FieldDef | undefined): JsonSchema {
  return def?.description ? { description: def.description, ...schema } : schema;
}

/** JSON type of one value of an Elasticsearch leaf type. */
function valueSchema(def: FieldDef, type: string): JsonSchema {
  let schema: JsonSchema;
  if (type === 'constant_keyword' && def.value !== undefined) schema = { const: def.value };
  else if (STRING_TYPES.has(type)) schema = { type: 'string' };
  else if (INTEGER_TYPES.has(type)) schema = { type: 'integer' };
  else if (NUMBER_TYPES.has(type)) schema = { type: 'number' };
  else if (type === 'boolean') schema = { type: 'boolean' };
  else if (type === 'date' || type === 'date_nanos') schema = def.dateFormat ? { type: 'string' } : { type: 'string', pattern: DATE_PATTERN };
  // tsType: json-schema-to-typescript would read the format-only branches as objects.
  else if (type === 'ip') schema = { type: 'string', tsType: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] };
  else schema = { type: 'object' }; // flattened, histogram: any keys below
  if (def.pattern && schema.type === 'string') schema.pattern = def.pattern;
  if (def.enumValues && schema.type === 'string') schema.enum = [...def.enumValues];
  return schema;
}

/**
 * Elasticsearch takes an array for any field: `T | T[]`, or `T[]` only with `normalize: [array]`.
 * `@timestamp` (a data stream needs exactly one) and constant_keyword fields take a single value.
 * A null is accepted like Elasticsearch and elastic-package do: it stands for a missing value.
 */
function arrayOrSingle(def: FieldDef, item: JsonSchema): JsonSchema {
  if (def.normalize.includes('array')) return { type: ['array', 'null'], items: item };
  if (def.name === '@timestamp' || def.type === 'constant_keyword') return item;
  // A type union is much cheaper for ajv to compile than anyOf and reports the failing item
  // itself; string keywords (pattern, format) do not apply to the array. enum/const would.
  if (typeof item.type === 'string' && !('enum' in item) && !('const' in item)) {
    const { type, tsType, ...constraints } = item;
    const ts = tsType ? { tsType: `${String(tsType)} | ${String(tsType)}[] | null` } : {};
    return { type: [type, 'array', 'null'], ...ts, ...constraints, items: item };
  }
  return { anyOf: [item, { type: 'array', items: item }, { type: 'null' }] };
}

function leafSchema(def: FieldDef): JsonSchema {
  if (!def.enabled) return withDescription({ 'x-es-type': def.type }, def);
  if (def.type === 'geo_point') {
    // {lat, lon}, "lat,lon" / WKT / geohash, or [lon, lat].
    const point = {
      anyOf: [
        { type: 'object', properties: { lat: { type: 'number' }, lon: { type: 'number' } }, required: ['lat', 'lon'], additionalProperties: false },
        { type: 'string' },
        { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3 },
        { type: 'null' },
      ],
    };
    return withDescription({ 'x-es-type': def.type, ...point }, def);
  }
  return withDescription({ 'x-es-type': def.type, ...arrayOrSingle(def, valueSchema(def, def.type)) }, def);
}

function sortedKeys<T>(map: Map<string, T>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Schemas shared by reference (`#/definitions/<name>`), collected while building. */
type Definitions = Record<string, JsonSchema>;

const JSON_TYPE: Record<string, string> = { string: 'string', integer: 'integer', number: 'number', boolean: 'boolean', object: 'object' };

/**
 * The value below an `object_type` object or a `name.*` wildcard. Fleet maps it with a dynamic
 * template whose path_match (`name.*`) matches at any depth, so a value is the object_type, an
 * object of such values, or an array of either. One self-referencing type union (no anyOf), so a
 * wrong leaf is reported at its own path.
 */
function dynamicRef(def: FieldDef, type: string, definitions: Definitions): JsonSchema {
  const name = `dynamic_${type}`;
  const ref = { $ref: `#/definitions/${name}` };
  if (!definitions[name]) {
    const value = valueSchema({ ...def, enumValues: undefined, pattern: undefined }, type);
    const jsonType = JSON_TYPE[String(value.type)] ?? 'string';
    const { type: _type, ...constraints } = value;
    definitions[name] = {
      title: `Dynamic ${type}`,
      description: `A value under an object mapped by a dynamic template (object_type ${type}): a ${type}, an object of such values at any depth, or an array of them.`,
      'x-es-type': type,
      type: jsonType === 'object' ? ['object', 'array', 'null'] : [jsonType, 'object', 'array', 'null'],
      ...constraints,
      additionalProperties: ref,
      items: ref,
    };
  }
  return ref;
}

function nodeSchema(node: Node, path: string, definitions: Definitions): JsonSchema {
  const def = node.def;
  if (def && isLeafType(def.type)) {
    const children = [...node.children.keys()].filter((k) => k !== '*');
    if (children.length > 0) {
      throw new FieldsError(`${path} is a ${def.type} field in ${def.source} but also has sub-fields (${children.join(', ')})`);
    }
    return leafSchema(def);
  }
  const kind = def?.type ?? 'group';
  if (def && !def.enabled) return withDescription({ 'x-es-type': kind }, def);
  const properties: JsonSchema = {};
  for (const key of sortedKeys(node.children)) {
    if (key === '*') continue;
    properties[key] = nodeSchema(node.children.get(key)!, path ? `${path}.${key}` : key, definitions);
  }
  // `name.*` (a wildcard child) or `object_type` open the object to any key of that type.
  const wildcard = node.children.get('*');
  let additional: unknown = kind === 'group' || kind === 'nested' ? false : true;
  if (wildcard?.def) {
    const w = wildcard.def;
    if (w.type !== 'object') additional = nodeSchema(wildcard, `${path}.*`, definitions);
    else additional = w.objectType ? dynamicRef(w, w.objectType, definitions) : true;
  } else if (kind === 'object' && def?.objectType) {
    additional = dynamicRef(def, def.objectType, definitions);
  }
  const object: JsonSchema = { type: 'object' };
  if (Object.keys(properties).length > 0) object.properties = properties;
  object.additionalProperties = additional;
  if (kind === 'nested') return withDescription({ 'x-es-type': kind, type: ['array', 'null'], items: object }, def);
  if (kind === 'object') {
    // An object field takes one object or an array of objects (never a concrete value).
    if (def!.normalize.includes('array')) return withDescription({ 'x-es-type': kind, type: ['array', 'null'], items: object }, def);
    const { type: _type, ...rest } = object;
    return withDescription({ 'x-es-type': kind, type: ['object', 'array', 'null'], ...rest, items: object }, def);
  }
  return withDescription(def ? { 'x-es-type': kind, ...object } : object, def);
}

/**
 * Builds the document schema. Files are read in the order given (callers sort them); a field
 * declared twice must keep its type (the later description wins).
 */
export function buildDocumentSchema(files: readonly FieldsFile[], ecs: Record<string, EcsFieldDef>): JsonSchema {
  const defs: FieldDef[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = parseYaml(file.text);
    } catch (error) {
      throw new FieldsError(`${file.path}: not valid YAML: ${(error as Error).message}`);
    }
    if (parsed === null || parsed === undefined) continue;
    collect(parsed, '', file.path, ecs, defs);
  }
  const root: Node = { children: new Map() };
  for (const def of defs) insert(root, def);
  const definitions: Definitions = {};
  const body = nodeSchema(root, '', definitions);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment: 'GENERATED by scripts/gen-types.ts from fields/*.yml (and ECS for `external: ecs`). Do not edit: change fields/ and run `npm run gen`.',
    title: 'AuditDocument',
    description:
      'One output document of the o365-audit integration (ECS plus o365.audit.*), as the ingest pipeline writes it to Elasticsearch. Every field must be declared in fields/: an undeclared field is an error, except below flattened fields and objects without sub-fields. Keys are nested objects, not dotted names. Any field may hold an array of its type unless it is an array-only (normalize: array) field.',
    type: 'object',
    ...(root.children.has('@timestamp') ? { required: ['@timestamp'] } : {}),
    properties: body.properties ?? {},
    additionalProperties: false,
    ...(Object.keys(definitions).length > 0 ? { definitions: Object.fromEntries(sortedKeys(new Map(Object.entries(definitions))).map((k) => [k, definitions[k]])) } : {}),
  };
}

/** The fields/*.yml files of `root` (sorted by name), as the schema builder reads them. */
export async function readFieldsFiles(root: string, fieldsDir = 'fields'): Promise<FieldsFile[]> {
  let all: string[] = [];
  try {
    all = await readdir(path.join(root, fieldsDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const names = all.filter((n) => /^[^.].*\.ya?ml$/.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => ({ path: `${fieldsDir}/${name}`, text: await readFile(path.join(root, fieldsDir, name), 'utf8') })),
  );
}
