// Test doubles for code that drives or extends the collector (not part of the library bundle).
export { FakeManagementApi, apiError, makeRecords, type FakeApiOptions, type FakeBlob, type BlobFailure } from './fake-api.js';
export { MemoryLogger, MemoryOutput, settings, MIN, HOUR, DAY, type LogEntry } from './test-kit.js';
