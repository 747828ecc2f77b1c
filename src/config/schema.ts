// The config JSON Schema (schemas/config.schema.json, the single source of keys, defaults and
// descriptions), compiled once with ajv, plus typed access to its defaults so code never repeats them.

import { Ajv, type ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/config.schema.json' with { type: 'json' };

export const configSchema = schemaJson;

type Json = Record<string, unknown>;
let compiled: ValidateFunction | undefined;

/** The compiled validator. No coercion, no removal: unknown keys and wrong types are errors. */
export function configValidator(): ValidateFunction {
  // verbose: errors carry their parent schema, which lists the known keys for "did you mean".
  // discriminator: `output` picks its branch by `type`, so errors come from that branch only.
  compiled ??= new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true, allowUnionTypes: false, discriminator: true }).compile(schemaJson);
  return compiled;
}

/** Default of a top-level key (or `retry.<key>`), as written in the schema. */
export function schemaDefault<T>(key: string): T {
  const [head, sub] = key.split('.');
  let node = (schemaJson.properties as Json)[head ?? ''] as Json | undefined;
  if (sub !== undefined) node = (node?.properties as Json | undefined)?.[sub] as Json | undefined;
  if (node === undefined || !('default' in node)) throw new Error(`schema has no default for ${key}`);
  return structuredClone(node.default) as T;
}

/** Default of a tenant key, as written in the schema. */
export function schemaTenantDefault<T>(key: string): T {
  const tenant = (schemaJson.definitions as Json).tenant as Json;
  const node = (tenant.properties as Json)[key] as Json | undefined;
  if (node === undefined || !('default' in node)) throw new Error(`schema has no default for tenants[].${key}`);
  return structuredClone(node.default) as T;
}

/** Known keys of a tenant object and of the top level, for suggestions and docs. */
export function knownKeys(where: 'top' | 'tenant' | 'certificate' | 'output' | 'retry'): string[] {
  const defs = schemaJson.definitions as Json;
  const props = (s: unknown) => Object.keys(((s as Json).properties ?? {}) as Json);
  switch (where) {
    case 'top':
      return props(schemaJson);
    case 'tenant':
      return props(defs.tenant);
    case 'certificate':
      return props(((defs.tenant as Json).properties as Json).certificate);
    case 'output':
      return props(defs.output);
    case 'retry':
      return props((schemaJson.properties as Json).retry);
  }
}
