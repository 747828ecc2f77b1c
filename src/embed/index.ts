// The embedding API: o365-audit as the input of a shipper written in Node.
export { openInput } from './input.js';
export { collect } from './collect.js';
export type { AuditBatch, AuditInput, AuditRecord, BatchInfo, Checkpoint, CollectOptions, InputEvents, InputOptions } from './types.js';
