// Everything done "by output type", derived from the registered definitions (./registry.ts): which
// types exist, the rules of a list of output entries, normalising one entry, building outputs.

import { ConfigError } from '../errors.js';
import type { OutputBuildContext, OutputDefinition, SchemaObject } from './definition.js';
import type { OutputFileReader } from './normalise.js';
import * as registry from './registry.js';
import type { OutputIssue } from './rules.js';
import type { Output } from './types.js';

type Registry = typeof registry;

/** One configured output, normalised: the union of every registered output's config. */
export type ConfiguredOutput = { [K in keyof Registry]: ReturnType<Registry[K]['normalise']> }[keyof Registry];

type AnyDefinition = OutputDefinition<unknown, ConfiguredOutput>;

export interface RegisteredOutput {
  /** Registry key; the schema definition is `output_<key>`. */
  key: string;
  /** The `type` values the output answers to (elasticsearch also answers to opensearch). */
  types: string[];
  definition: AnyDefinition;
}

/** The registered outputs, by key. */
export const OUTPUTS: readonly RegisteredOutput[] = Object.entries(registry)
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .map(([key, d]) => ({ key, types: typeValues(d.schema), definition: d as unknown as AnyDefinition }));

function typeValues(schema: SchemaObject): string[] {
  const type = (schema.properties as Record<string, { enum?: string[]; const?: string }> | undefined)?.type;
  const values = type?.const !== undefined ? [type.const] : (type?.enum ?? []);
  if (values.length === 0) throw new Error('an output schema must give its `type` value(s) in properties.type (const or enum)');
  return values;
}

/** Every accepted `type` value, in registry order. */
export const OUTPUT_TYPES: readonly string[] = OUTPUTS.flatMap((o) => o.types);

function definitionOf(type: string): AnyDefinition | undefined {
  return OUTPUTS.find((o) => o.types.includes(type))?.definition;
}

/** The name an output entry gets: its `name`, else its type. Names key the committed positions. */
export function outputName(entry: { type?: unknown; name?: unknown }): string | undefined {
  return typeof entry.name === 'string' ? entry.name : typeof entry.type === 'string' ? entry.type : undefined;
}

/** An issue about output entry number `index` of a list. */
export interface OutputListIssue extends OutputIssue {
  index: number;
}

/**
 * Output names must be unique: they key the committed positions in the state. The one place this
 * is checked; config validation (with lines) and createOutputs (for library callers) both ask here.
 */
export function duplicateNameIssues(entries: ReadonlyArray<{ type?: unknown; name?: unknown }>, describe: (index: number) => string = (i) => `outputs[${i}]`): OutputListIssue[] {
  const out: OutputListIssue[] = [];
  const names = new Map<string, number>();
  entries.forEach((o, index) => {
    const name = outputName(o);
    if (name === undefined) return;
    const prev = names.get(name);
    if (prev !== undefined) out.push({ index, key: 'name', message: `"${name}" is already the name of ${describe(prev)}`, hint: 'give each output of the same type a distinct `name`' });
    else names.set(name, index);
  });
  return out;
}

/** The rules over a list of (schema-valid) output entries: unique names, at most `maxCount` per type, each type's own rules. */
export function outputListIssues(entries: ReadonlyArray<Record<string, unknown>>, describe?: (index: number) => string): OutputListIssue[] {
  const out = duplicateNameIssues(entries, describe);
  const counts = new Map<AnyDefinition, number>();
  entries.forEach((o, index) => {
    const d = typeof o.type === 'string' ? definitionOf(o.type) : undefined;
    if (d === undefined) return;
    const n = (counts.get(d) ?? 0) + 1;
    counts.set(d, n);
    if (d.maxCount !== undefined && n === d.maxCount + 1) out.push({ index, message: `only ${d.maxCount === 1 ? 'one' : d.maxCount} ${String(o.type)} output${d.maxCount === 1 ? ' is' : 's are'} possible` });
    for (const issue of d.rules?.(o) ?? []) out.push({ index, ...issue });
  });
  return out.sort((a, b) => a.index - b.index);
}

/** One schema-valid entry → its normalised config, and the secrets it holds. */
export function normaliseOutput(raw: { type: string }, files: OutputFileReader): { config: ConfiguredOutput; secrets: Array<string | undefined> } {
  const d = definitionOf(raw.type);
  if (d === undefined) throw new ConfigError(`Unknown output type "${raw.type}"`, 'outputs');
  const config = d.normalise(raw, files);
  return { config, secrets: d.secrets?.(config) ?? [] };
}

export function createOutput(config: ConfiguredOutput, ctx: OutputBuildContext = {}): Output {
  const d = definitionOf((config as { type: unknown }).type as string);
  if (d === undefined) throw new ConfigError(`Unknown output type "${String((config as { type: unknown }).type)}"`, 'outputs');
  return d.create(config, ctx);
}

/** Builds every configured output; their names must be unique. */
export function createOutputs(configs: readonly ConfiguredOutput[], ctx: OutputBuildContext = {}): Output[] {
  const issue = duplicateNameIssues(configs)[0];
  if (issue !== undefined) {
    const at = `outputs[${issue.index}]${issue.key !== undefined ? `.${issue.key}` : ''}`;
    throw new ConfigError(`${at} ${issue.message}${issue.hint !== undefined ? ` (${issue.hint})` : ''}`, at);
  }
  return configs.map((c) => createOutput(c, ctx));
}
