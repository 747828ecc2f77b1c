// fields.yml (package-spec semantics) → Elasticsearch/OpenSearch mappings, adapted to what the
// target cluster supports, plus the field count that sizes index.mapping.total_fields.limit.
import { O365AuditError } from '../../errors.js';
import { ECS_FIELDS } from './ecs-fields.js';
import { ES8_CAPABILITIES, type FieldDefinition, type GeneratedMappings, type MappingCapabilities } from './types.js';

interface Node {
  mapping: Record<string, unknown>;
  children: Map<string, Node>;
  /** Declared leaf (not an object container): children would be a conflict. */
  leaf: boolean;
}

// Room for keys that dynamic objects (object_type / flattened fallbacks) add at index time; the
// o365 data has a few dozen dynamic objects that each carry tens of keys (Elastic had to raise
// its limit to 2000 for the same data, elastic/integrations#17666).
const DYNAMIC_HEADROOM = 1000;
const MIN_LIMIT = 2000;
/** ECS's keyword limit; a field or any of its parents may declare another (fields.yml ignore_above). */
const DEFAULT_IGNORE_ABOVE = 1024;

function mappingError(message: string, field: string): O365AuditError {
  return new O365AuditError('O365_ERR_MAPPING', message, { context: { field } });
}

/** Expands `external: ecs` and group nesting into flat, fully named definitions. */
export function flattenFields(fields: FieldDefinition[], prefix = ''): FieldDefinition[] {
  const out: FieldDefinition[] = [];
  for (const f of fields) {
    const name = prefix === '' ? f.name : `${prefix}.${f.name}`;
    if (f.external !== undefined) {
      if (f.external !== 'ecs') throw mappingError(`field ${name}: unknown external source "${f.external}"`, name);
      const ecs = ECS_FIELDS[name];
      if (ecs === undefined) throw mappingError(`field ${name} is declared external: ecs but is not in the ECS table (src/integration/mappings/ecs-fields.ts)`, name);
      out.push({ ...ecs, ...f, external: undefined, type: f.type ?? ecs.type, name });
    } else if ((f.type === undefined || f.type === 'group') && f.fields !== undefined) {
      out.push(...flattenFields(f.fields, name));
    } else {
      if (f.type === undefined) throw mappingError(`field ${name} has no type`, name);
      out.push({ ...f, name });
      if (f.fields !== undefined && f.type !== 'nested' && f.type !== 'object') throw mappingError(`field ${name} of type ${f.type} cannot have sub-fields`, name);
      if (f.fields !== undefined) out.push(...flattenFields(f.fields, name));
    }
  }
  return out;
}

function leafMapping(f: FieldDefinition, caps: MappingCapabilities, notes: Set<string>): Record<string, unknown> {
  const type = f.type ?? 'keyword';
  const common: Record<string, unknown> = {};
  if (f.index !== undefined) common['index'] = f.index;
  if (f.doc_values !== undefined) common['doc_values'] = f.doc_values;
  if (f.copy_to !== undefined) common['copy_to'] = f.copy_to;
  if (f.null_value !== undefined) common['null_value'] = f.null_value;
  // A keyword neither indexed nor in doc values (event.original) holds no term, so no length limit
  // applies to it; an ignore_above there would only list long values in _ignored (ES 8+).
  const stored = f.index === false && f.doc_values === false;
  const keyword = (): Record<string, unknown> => ({ type: 'keyword', ...(stored ? {} : { ignore_above: f.ignore_above ?? DEFAULT_IGNORE_ABOVE }), ...common });
  switch (type) {
    case 'keyword':
      return keyword();
    case 'constant_keyword':
      if (caps.constantKeyword === 'any' || (caps.constantKeyword === 'with_value' && f.value !== undefined)) {
        return f.value === undefined ? { type } : { type, value: f.value };
      }
      notes.add('constant_keyword is not supported here (or not without a value): such fields are mapped as keyword');
      return keyword();
    case 'wildcard':
      if (caps.wildcard) return { type, ...(f.ignore_above === undefined ? {} : { ignore_above: f.ignore_above }), ...common };
      notes.add('wildcard is not supported here: such fields are mapped as keyword');
      return keyword();
    case 'match_only_text':
      if (caps.matchOnlyText) return { type, ...common };
      notes.add('match_only_text is not supported here: such fields are mapped as text');
      return { type: 'text', ...common };
    case 'text':
      return { type, ...common };
    case 'integer':
    case 'long':
      return { type: 'long', ...common };
    case 'unsigned_long':
      if (caps.unsignedLong) return { type, ...common };
      notes.add('unsigned_long is not supported here: such fields are mapped as long');
      return { type: 'long', ...common };
    case 'short': case 'byte': case 'double': case 'float': case 'half_float':
    case 'boolean': case 'ip': case 'geo_point': case 'binary': case 'date_nanos':
      return { type, ...common };
    case 'scaled_float':
      return { type, scaling_factor: f.scaling_factor ?? 1000, ...common };
    case 'date':
      return f.date_format === undefined ? { type, ...common } : { type, format: f.date_format, ...common };
    case 'version':
      return keyword();
    case 'alias':
      if (f.path === undefined) throw mappingError(`alias field ${f.name} has no path`, f.name);
      return { type, path: f.path };
    case 'flattened':
      if (caps.flattened === 'flattened') return { type, ...(f.ignore_above === undefined ? {} : { ignore_above: f.ignore_above }) };
      if (caps.flattened === 'flat_object') return { type: 'flat_object' }; // takes no ignore_above
      notes.add('flattened is not supported here: such fields are kept in _source but not indexed (object, enabled: false)');
      return { type: 'object', enabled: false };
    default:
      throw mappingError(`field ${f.name}: unsupported type ${type}`, f.name);
  }
}

function nodeAt(root: Node, path: string[], fullName: string): Node {
  let node = root;
  for (const part of path) {
    if (node.leaf) throw mappingError(`field ${fullName}: a parent is declared as a ${String(node.mapping['type'])} leaf`, fullName);
    let child = node.children.get(part);
    if (child === undefined) {
      child = { mapping: {}, children: new Map(), leaf: false };
      node.children.set(part, child);
    }
    node = child;
  }
  return node;
}

function serialize(node: Node): Record<string, unknown> {
  const out: Record<string, unknown> = { ...node.mapping };
  if (node.children.size > 0) {
    out['properties'] = Object.fromEntries([...node.children].map(([k, v]) => [k, serialize(v)]));
  }
  return out;
}

function countFields(props: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(props)) {
    const m = value as Record<string, unknown>;
    n += 1;
    if (m['properties'] !== undefined) n += countFields(m['properties'] as Record<string, unknown>);
    if (m['fields'] !== undefined) n += Object.keys(m['fields'] as object).length;
  }
  return n;
}

/** The ignore_above of the nearest parent that declares one (`o365.audit` sets it for the record). */
function inheritedIgnoreAbove(name: string, declared: Map<string, number>): number | undefined {
  for (let i = name.lastIndexOf('.'); i > 0; i = name.lastIndexOf('.', i - 1)) {
    const limit = declared.get(name.slice(0, i));
    if (limit !== undefined) return limit;
  }
  return undefined;
}

/** Generates the mappings for `fields` (the concatenated contents of fields/*.yml). */
export function generateMappings(fields: FieldDefinition[], caps: MappingCapabilities = ES8_CAPABILITIES): GeneratedMappings {
  const root: Node = { mapping: {}, children: new Map(), leaf: false };
  const dynamicTemplates: Array<Record<string, unknown>> = [];
  const notes = new Set<string>();

  const flat = flattenFields(fields);
  const declared = new Map(flat.filter((f) => f.ignore_above !== undefined).map((f) => [f.name, f.ignore_above!]));
  for (const field of flat) {
    const f = { ...field, ignore_above: field.ignore_above ?? inheritedIgnoreAbove(field.name, declared) };
    const type = f.type ?? 'keyword';
    if (f.name.includes('*')) {
      const mapping = leafMapping({ ...f, type: type === 'object' ? (f.object_type ?? 'keyword') : type }, caps, notes);
      dynamicTemplates.push({ [f.name]: { path_match: f.name, match_mapping_type: f.object_type_mapping_type ?? '*', mapping } });
      continue;
    }
    const node = nodeAt(root, f.name.split('.'), f.name);
    if (type === 'object' || type === 'nested') {
      if (node.leaf) throw mappingError(`field ${f.name} is declared twice with different types`, f.name);
      node.mapping = { ...node.mapping, type }; // explicit: an object with no declared children needs a type
      if (f.enabled === false) node.mapping['enabled'] = false;
      if (f.dynamic !== undefined) node.mapping['dynamic'] = f.dynamic;
      if (f.subobjects === false) {
        if (caps.subobjects) node.mapping['subobjects'] = false;
        else notes.add('subobjects: false is not supported here: dotted keys inside such objects become sub-objects');
      }
      if (f.object_type !== undefined) {
        const mapping = leafMapping({ name: f.name, type: f.object_type, ignore_above: f.ignore_above }, caps, notes);
        // An object value under a `match_mapping_type: *` keyword template would be mapped as
        // keyword and then rejected; map objects as objects first (first matching template wins).
        dynamicTemplates.push({ [`${f.name}.objects`]: { path_match: `${f.name}.*`, match_mapping_type: 'object', mapping: { type: 'object' } } });
        dynamicTemplates.push({ [f.name]: { path_match: `${f.name}.*`, match_mapping_type: f.object_type_mapping_type ?? '*', mapping } });
      }
      continue;
    }
    if (node.leaf || node.children.size > 0) throw mappingError(`field ${f.name} is declared twice or also has sub-fields`, f.name);
    node.leaf = true;
    node.mapping = leafMapping(f, caps, notes);
    if (f.multi_fields !== undefined && f.multi_fields.length > 0) {
      node.mapping['fields'] = Object.fromEntries(f.multi_fields.map((m) => [m.name, leafMapping({ ...m, name: `${f.name}.${m.name}` }, caps, notes)]));
    }
  }

  const properties = serialize(root)['properties'] as Record<string, unknown> | undefined ?? {};
  const fieldCount = countFields(properties);
  const totalFieldsLimit = Math.max(MIN_LIMIT, Math.ceil((fieldCount + DYNAMIC_HEADROOM) / 100) * 100);
  return { mappings: { dynamic_templates: dynamicTemplates, properties }, fieldCount, totalFieldsLimit, notes: [...notes] };
}
