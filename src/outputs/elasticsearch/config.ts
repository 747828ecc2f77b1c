// From the user's snake_case elasticsearch/opensearch output entry (already checked against
// ./schema.json) to the camelCase config, and the rules the schema cannot say. Registered in
// ../registry.ts.

import { resolve } from 'node:path';
import type { OutputElasticsearch } from '../../generated/config.js';
import { durationMs, fileText, normaliseRetry, secret, type OutputFileReader } from '../normalise.js';
import { bothGiven, type OutputIssue } from '../rules.js';
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
    ca: fileText(files, 'ca_file', raw.ca_file),
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

/** Address and credential rules of an elasticsearch/opensearch output entry. */
export function elasticsearchOutputRules(o: Record<string, unknown>): OutputIssue[] {
  const out: OutputIssue[] = [];
  if (o.url === undefined && o.hosts === undefined) out.push({ key: 'url', message: 'is required (or give `hosts`)' });
  out.push(...bothGiven(o, 'url', 'hosts'), ...bothGiven(o, 'api_key', 'api_key_file'), ...bothGiven(o, 'password', 'password_file'));
  if ((o.api_key !== undefined || o.api_key_file !== undefined) && o.username !== undefined) out.push({ key: 'username', message: 'give either an API key or a username and password, not both' });
  if (o.username !== undefined && o.password === undefined && o.password_file === undefined) out.push({ key: 'password', message: 'is required with username (or give password_file)' });
  return out;
}
