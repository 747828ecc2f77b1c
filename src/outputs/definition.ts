// What an output type is, as ../registry.ts lists it: its config schema fragment, its normaliser and
// config rules, and its factory. Everything else (the config schema's `output` branches, the
// generated types, docs/config.md, validation, building) derives from the registered definitions.

import type { Logger } from '../logging/types.js';
import type { OutputFileReader } from './normalise.js';
import type { OutputIssue } from './rules.js';
import type { Output } from './types.js';

/** What the host gives every output it builds. */
export interface OutputBuildContext {
  logger?: Logger;
  /** Where outputs keep side files (the elasticsearch dead-letter file). */
  stateDir?: string;
  /** The reader of stdout went away (EPIPE): the host should end the run cleanly. */
  onReaderGone?: () => void;
}

/** A JSON Schema object, as read from an output's schema.json. */
export type SchemaObject = { readonly [key: string]: unknown };

export interface OutputDefinition<Raw = never, Config extends { type: string; name?: string } = { type: string; name?: string }> {
  /** The schema of one entry (becomes `definitions.output_<key>` of schemas/config.schema.json). */
  readonly schema: SchemaObject;
  /** At most this many outputs of the type (stdout: one). */
  readonly maxCount?: number;
  /** Rules on the raw entry beyond the schema (it already passed the schema). */
  rules?(entry: Record<string, unknown>): OutputIssue[];
  /** The snake_case entry (schema-valid) → the camelCase config; files relative to the config file. */
  normalise(raw: Raw, files: OutputFileReader): Config;
  /** Secret values in the config, registered so logs and messages never show them. */
  secrets?(config: Config): Array<string | undefined>;
  create(config: Config, ctx: OutputBuildContext): Output;
}

/** Keeps the definition's own Raw and Config types (the registry derives the config union from them). */
export function defineOutput<Raw, Config extends { type: string; name?: string }>(d: OutputDefinition<Raw, Config>): OutputDefinition<Raw, Config> {
  return d;
}
