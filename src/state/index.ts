// State stores: where stream checkpoints and output positions are committed together.
export { FileStateStore, type FileStateStoreOptions, type CommitStep } from './file-store.js';
export { MemoryStateStore } from './memory-store.js';
export { newCheckpoint, cloneCheckpoint, validateCheckpoint } from './checkpoint.js';
export { streamKey } from './types.js';
export type { StreamCheckpoint, CommittedState, StateStore } from './types.js';
export { acquireLock, releaseLock, LockHeldError, type LockOwner } from './lock-file.js';
export { FileQuarantine, MemoryQuarantine, QUARANTINE_FORMAT, quarantineDir } from './quarantine.js';
export type { Quarantine, QuarantineEntry, QuarantinedRecord, QuarantineStatus, ReplayAttempt, BlobFailure } from './quarantine.js';
