// Public surface of the API layer: the client factory and its options, the cloud table, the blob
// splitter and the contracts.

export { createManagementApi, type ManagementApiOptions, type ApiTimeouts } from './client.js';
export type { RetryPolicy } from './http.js';
export type { RefusedUrlInfo } from './url-guard.js';
export { JsonArraySplitter, splitJsonArrayStream, type SplitterOptions } from './json-array-stream.js';
export { AF_CODES, afCodeInfo, type AfCodeInfo } from './af-codes.js';
export { formatApiTime, parseApiTime } from './wire.js';
export { CLOUD_NAMES, cloudEndpoints, isCloudName, resolveEndpoints, type CloudEndpoints, type CloudName, type CloudOverrides } from '../auth/clouds.js';
export type { ClientCredential, TokenSource } from '../auth/token-provider.js';
export type * from './types.js';
