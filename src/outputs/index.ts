// Outputs: where records go (file, stdout; more types register in registry.ts).
export { FileOutput, type FileOutputOptions, type FilePosition } from './file-output.js';
export { StdoutOutput, type StdoutOutputOptions } from './stdout-output.js';
export { createOutput, createOutputs, type OutputConfig, type OutputContext } from './registry.js';
export type { Output, OutputPosition, RecordMeta } from './types.js';
