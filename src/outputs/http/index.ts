// The http output (NDJSON or JSON-array POST batches) and the delivery core it shares with elasticsearch.
export { HttpOutput, createHttpOutput, HTTP_DEFAULTS, type HttpOutputConfig, type HttpOutputDeps } from './http-output.js';
export { normaliseHttpOutput, type OutputFileReader, type RawHttpOutput, type RawRetry } from './config.js';
export { DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
