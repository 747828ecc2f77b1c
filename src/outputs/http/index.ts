// The http output (NDJSON or JSON-array POST batches) and the delivery core it shares with elasticsearch.
export { HttpOutput, createHttpOutput, HTTP_DEFAULTS, type HttpOutputConfig, type HttpOutputDeps } from './http-output.js';
export { normaliseHttpOutput, type RawHttpOutput } from './config.js';
export { OUTPUT_RETRY as DEFAULT_RETRY, type RetryPolicy } from '../../shared/retry.js';
