// From the user's snake_case output entry (already checked against schemas/outputs.fragment.json)
// to the camelCase config of the http output. Called by src/config/load.ts at the edge.

import type { OutputHttp } from '../../generated/config.js';
import { resolve } from 'node:path';
import { parseDuration } from '../../config/duration.js';
import type { HttpOutputConfig } from './http-output.js';
import type { RetryPolicy } from './backoff.js';

// The user's keys come from the config schema: its generated types are the one definition.
export type RawHttpOutput = OutputHttp;
export type RawRetry = NonNullable<OutputHttp['retry']>;

/** How the normalisers read referenced files: `key` is the output's key (`ca_file`), for messages. */
export interface OutputFileReader {
  baseDir: string;
  /** The file's text, or undefined after recording a problem at `key`. */
  read(key: string, name: string): string | undefined;
}

export function durationMs(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration(value);
}

export function normaliseRetry(r: RawRetry | undefined): Partial<RetryPolicy> | undefined {
  if (r === undefined) return undefined;
  const out: Partial<RetryPolicy> = {};
  if (r.max_attempts !== undefined) out.maxAttempts = r.max_attempts;
  const base = durationMs(r.base_delay);
  const max = durationMs(r.max_delay);
  if (base !== undefined) out.baseDelayMs = base;
  if (max !== undefined) out.maxDelayMs = max;
  return out;
}

/** A secret given inline or in a file (surrounding whitespace and a trailing newline dropped). */
export function secret(files: OutputFileReader, inline: string | undefined, fileKey: string, file: string | undefined): string | undefined {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  return files.read(fileKey, resolve(files.baseDir, file))?.trim();
}

export function normaliseHttpOutput(raw: RawHttpOutput, files: OutputFileReader): HttpOutputConfig {
  const password = secret(files, raw.password, 'password_file', raw.password_file);
  const token = secret(files, raw.bearer_token, 'bearer_token_file', raw.bearer_token_file);
  return {
    type: 'http',
    name: raw.name,
    url: raw.url,
    format: raw.format,
    encoding: raw.encoding,
    headers: raw.headers,
    auth:
      raw.username !== undefined
        ? { kind: 'basic', username: raw.username, password: password ?? '' }
        : token !== undefined
          ? { kind: 'bearer', token }
          : undefined,
    ca: raw.ca_file !== undefined ? files.read('ca_file', resolve(files.baseDir, raw.ca_file)) : undefined,
    batchMaxBytes: raw.batch_max_bytes,
    batchMaxDocs: raw.batch_max_docs,
    flushIntervalMs: durationMs(raw.flush_interval),
    maxBufferBytes: raw.max_buffer_bytes,
    requestTimeoutMs: durationMs(raw.request_timeout),
    retry: normaliseRetry(raw.retry),
  };
}
