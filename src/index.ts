// Public library entry: re-exports only, no side effects on import. Shippers use the embedding API
// (openInput / collect: batches with acks); the lower-level pieces (createCollector, the outputs,
// the state store, buildCollectorOptions) stay available for custom wiring.
export * from './embed/index.js';
export * from './errors.js';
export * from './collector/index.js';
export * from './api/index.js';
export * from './outputs/index.js';
export * from './state/index.js';
export * from './config/index.js';
export * from './logging/index.js';
export { createValidator, validateLine, validateNdjson } from './integration/validate/index.js';
export { setup, type SetupResult } from './integration/setup/index.js';
export { startSimulator } from './simulator/index.js';
export type * from './simulator/types.js';
