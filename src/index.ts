// Public library entry: re-exports only, no side effects on import.
export * from './errors.js';
export type * from './api/types.js';
export type * from './outputs/types.js';
export type * from './state/types.js';
export type * from './collector/types.js';
