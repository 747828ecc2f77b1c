// From the user's snake_case elasticsearch/opensearch output entry (already checked against
// schemas/outputs.fragment.json) to the camelCase config. Called by src/config/load.ts.

import { resolve } from 'node:path';
import { durationMs, normaliseRetry, secret, type OutputFileReader, type RawRetry } from '../http/config.js';
import type { OutputElasticsearch } from '../../generated/config.js';
import type { ElasticsearchOutputConfig } from './es-output.js';

// The user's keys come from the config schema: its generated type is the one definition.
export type RawElasticsearchOutput = OutputElasticsearch;

export function normaliseElasticsearchOutput(raw: RawElasticsearchOutput, files: OutputFileReader): ElasticsearchOutputConfig {
  return {
    type: raw.type,
    name: raw.name,
    hosts: raw.hosts ?? (raw.url !== undefined ? [raw.url] : []),
    apiKey: secret(files, raw.api_key, 'api_key_file', raw.api_key_file),
    username: raw.username,
    password: secret(files, raw.password, 'password_file', raw.password_file),
    ca: raw.ca_file !== undefined ? files.read('ca_file', resolve(files.baseDir, raw.ca_file)) : undefined,
    namespace: raw.namespace,
    index: raw.index,
    pipeline: raw.pipeline,
    batchMaxBytes: raw.batch_max_bytes,
    batchMaxDocs: raw.batch_max_docs,
    flushIntervalMs: durationMs(raw.flush_interval),
    maxBufferBytes: raw.max_buffer_bytes,
    requestTimeoutMs: durationMs(raw.request_timeout),
    retry: normaliseRetry(raw.retry),
    deadLetterPath: raw.dead_letter_path !== undefined ? resolve(files.baseDir, raw.dead_letter_path) : undefined,
    setupOnStart: raw.setup_on_start,
  };
}
