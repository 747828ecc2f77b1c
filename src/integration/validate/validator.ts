// Schema validators for raw audit records and output documents (ajv, compiled once per schema),
// and the translation of ajv errors into short issues: JSON pointer, dotted field, plain reason.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { O365AuditError } from '../../errors.js';
import { auditDocumentSchema, recordSchema, type SchemaObject } from '../../generated/schemas.js';

export type ValidationKind = 'record' | 'document';

/** One problem found in one value: where (JSON pointer and dotted field) and why. */
export interface SchemaIssue {
  /** JSON pointer of the offending value ('' = the whole value), e.g. `/o365/audit/Members/0/UPN`. */
  path: string;
  /** The same place as a dotted field name with array indexes, e.g. `o365.audit.Members[0].UPN`. */
  field: string;
  reason: string;
}

export interface Validator {
  readonly kind: ValidationKind;
  /** Issues of one parsed value; an empty list means valid. */
  validate(value: unknown): SchemaIssue[];
}

// Annotation keywords our schemas carry for docs and messages; ajv's strict mode must know them.
const ANNOTATIONS = ['x-known-values', 'x-inferred-values', 'x-es-type', 'tsType'];
const compiled = new WeakMap<object, ValidateFunction>();
let ajv: Ajv | undefined;

function getAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv, ['ipv4', 'ipv6', 'date-time', 'uri', 'email']);
    ajv.addVocabulary(ANNOTATIONS);
  }
  return ajv;
}

function compile(schema: SchemaObject): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = getAjv().compile(schema as Record<string, unknown>);
    compiled.set(schema, fn);
  }
  return fn;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const ARTICLE: Record<string, string> = { integer: 'an integer', object: 'an object', array: 'an array', null: 'null' };

/** A short English description of what a (sub)schema accepts. */
export function describeSchema(schema: Record<string, unknown>): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) {
    const values = (schema.enum as unknown[]).map((v) => JSON.stringify(v));
    return `one of ${values.length > 8 ? `${values.slice(0, 8).join(', ')}, ...` : values.join(', ')}`;
  }
  // null is accepted in documents (it means "missing") but is not worth saying in a reason.
  const anyOf = (schema.anyOf as Record<string, unknown>[] | undefined)?.filter((s) => s.type !== 'null');
  if (anyOf && anyOf.length === 2 && anyOf[1]?.type === 'array') return `${describeSchema(anyOf[0]!)} or an array of them`;
  if (anyOf && !schema.type) return anyOf.map(describeSchema).join(' or ');
  const typeList = ([] as unknown[]).concat(schema.type ?? []).filter((t) => t !== 'null');
  if (typeList.length === 1 && typeList[0] === 'array' && schema.items) return `an array of ${describeSchema(schema.items as Record<string, unknown>)}`;
  if (typeList.length === 2 && typeList[1] === 'array' && schema.items) {
    return `${describeSchema(schema.items as Record<string, unknown>)} or an array of them`;
  }
  const types = typeList.map((t) => ARTICLE[String(t)] ?? `a ${String(t)}`);
  let text = types.join(' or ') || 'a value';
  if (schema.pattern === '^-?[0-9]+$') text = text.replace('a string', 'a string of digits');
  if (anyOf?.every((s) => typeof s.format === 'string')) text += ` (${anyOf.map((s) => s.format).join(' or ')})`;
  return text;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/o365/audit/Members/0/UPN` → `o365.audit.Members[0].UPN`, walking the value to tell arrays from objects. */
export function pointerToField(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let field = '';
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = unescapePointer(raw);
    if (Array.isArray(node)) {
      field += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      field += field ? `.${segment}` : segment;
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return field;
}

function reasonFor(error: ErrorObject, kind: ValidationKind): { path: string; reason: string } {
  const got = `got ${jsonType(error.data)}`;
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${error.instancePath}/${escapePointer(missing)}`, reason: `required field "${missing}" is missing` };
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const reason = kind === 'document' ? `field "${extra}" is not declared in fields/` : `field "${extra}" is not allowed here`;
      return { path: `${error.instancePath}/${escapePointer(extra)}`, reason };
    }
    case 'type':
    case 'anyOf': {
      const parent = error.parentSchema as Record<string, unknown>;
      const es = typeof parent['x-es-type'] === 'string' ? ` (${parent['x-es-type']} field)` : '';
      return { path: error.instancePath, reason: `must be ${describeSchema(parent)}${es}, ${got}` };
    }
    case 'const':
    case 'enum':
      return { path: error.instancePath, reason: `must be ${describeSchema(error.parentSchema as Record<string, unknown>)}, got ${preview(error.data)}` };
    case 'pattern':
      return { path: error.instancePath, reason: `${preview(error.data)} does not match ${(error.params as { pattern: string }).pattern}` };
    case 'format':
      return { path: error.instancePath, reason: `${preview(error.data)} is not a valid ${(error.params as { format: string }).format}` };
    case 'minLength':
      return { path: error.instancePath, reason: 'must not be empty' };
    default:
      return { path: error.instancePath, reason: error.message ?? error.keyword };
  }
}

/**
 * Drops the noise of `anyOf` failures. For `T | T[]` given an array, the array branch's own errors
 * say exactly which item is wrong, so those are kept; otherwise one synthesized error for the anyOf.
 */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    const branches = errors.filter((e) => e !== error && e.schemaPath.startsWith(`${error.schemaPath}/`));
    const arrayBranch = (error.schema as Record<string, unknown>[]).findIndex((s) => s.type === 'array');
    if (Array.isArray(error.data) && arrayBranch >= 0) {
      drop.add(error);
      for (const b of branches) if (!b.schemaPath.startsWith(`${error.schemaPath}/${arrayBranch}/`)) drop.add(b);
    } else {
      for (const b of branches) drop.add(b);
    }
  }
  return errors.filter((e) => !drop.has(e));
}

/** Turns ajv's errors for `value` into issues (deduplicated, in ajv's order). */
export function toIssues(errors: ErrorObject[], value: unknown, kind: ValidationKind): SchemaIssue[] {
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of simplify(errors)) {
    const { path, reason } = reasonFor(error, kind);
    const key = `${path}\u0000${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, field: pointerToField(path, value), reason });
  }
  return issues;
}

export interface ValidatorOptions {
  /** Use this schema instead of the generated one (tests, or a package with its own fields/). */
  schema?: SchemaObject;
}

/**
 * A validator for raw records (`schemas/record.schema.json`) or output documents
 * (`schemas/audit-document.schema.json`). The schema is compiled once and cached.
 * Throws O365_ERR_VALIDATE_SCHEMA when no document schema was generated (fields/ empty).
 */
export function createValidator(kind: ValidationKind, options: ValidatorOptions = {}): Validator {
  const schema = options.schema ?? (kind === 'record' ? recordSchema : auditDocumentSchema);
  if (!schema) {
    throw new O365AuditError('O365_ERR_VALIDATE_SCHEMA', 'No output document schema: fields/*.yml is empty, run `npm run gen` once it exists', {
      context: { kind },
    });
  }
  const fn = compile(schema);
  return {
    kind,
    validate(value: unknown): SchemaIssue[] {
      return fn(value) ? [] : toIssues(fn.errors ?? [], value, kind);
    },
  };
}
