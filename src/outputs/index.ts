// Outputs: where records go. Every type is one folder, listed in registry.ts; build.ts derives the
// rest (types, rules, normalising, building) from that list.
export { FileOutput, type FileOutputOptions, type FilePosition } from './file/file-output.js';
export type { FileOutputConfig } from './file/definition.js';
export { StdoutOutput, type StdoutOutputOptions } from './stdout/stdout-output.js';
export type { StdoutOutputConfig } from './stdout/definition.js';
export { createOutput, createOutputs, outputName, OUTPUT_TYPES, type ConfiguredOutput } from './build.js';
// Earlier names of the same builders.
export { createOutput as createConfiguredOutput, createOutputs as createConfiguredOutputs } from './build.js';
export type { OutputBuildContext, OutputDefinition } from './definition.js';
export { withFormat } from './with-format.js';
export { formatRecord, formatWazuh, RECORD_FORMATS, WAZUH_MAX_LINE_BYTES, type RecordFormat } from '../shared/record-format.js';
export type { Output, OutputPosition, RecordMeta } from './types.js';
