// The output part of schemas/config.schema.json, derived from the registry: `definitions.output`
// (type enum, one branch per registered output) and `definitions.output_<key>` (each output's own
// schema.json). `npm run gen` writes it into the config schema; the rest of that file is hand-kept.

import { OUTPUTS, OUTPUT_TYPES } from './build.js';

type Json = Record<string, unknown>;

/** The config schema with its output definitions replaced by the registered ones. */
export function withRegisteredOutputs(configSchema: Json): Json {
  const defs: Json = { ...(configSchema.definitions as Json) };
  // Definitions of outputs no longer registered go; `output_format` (shared by several) stays.
  for (const k of Object.keys(defs)) if (/^output_/.test(k) && k !== 'output_format' && !OUTPUTS.some((o) => `output_${o.key}` === k)) delete defs[k];
  const types = OUTPUT_TYPES.map((t) => `\`${t}\``).join(', ');
  const output: Json = {
    type: 'object',
    description: `One output, chosen by \`type\` (${types}), each described below. Each type accepts only its own keys.`,
    required: ['type'],
    properties: { type: { description: 'Output type.', type: 'string', enum: [...OUTPUT_TYPES] } },
    discriminator: { propertyName: 'type' },
    oneOf: OUTPUTS.map((o) => ({ $ref: `#/definitions/output_${o.key}` })),
  };
  const rebuilt: Json = {};
  // Keep the hand-kept order of definitions; registered outputs follow `output` in registry order.
  for (const [k, v] of Object.entries(defs)) {
    if (/^output_/.test(k) && k !== 'output_format') continue;
    rebuilt[k] = k === 'output' ? output : v;
    if (k === 'output') for (const o of OUTPUTS) rebuilt[`output_${o.key}`] = o.definition.schema;
  }
  if (!('output' in rebuilt)) throw new Error('the config schema has no `output` definition to fill');
  return { ...configSchema, definitions: rebuilt };
}
