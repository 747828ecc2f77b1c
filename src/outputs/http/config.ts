// From the user's snake_case http output entry (already checked against ./schema.json) to the
// camelCase config, and the rules the schema cannot say. Registered in ../registry.ts.

import type { OutputHttp } from '../../generated/config.js';
import { durationMs, fileText, normaliseRetry, secret, type OutputFileReader } from '../normalise.js';
import { bothGiven, type OutputIssue } from '../rules.js';
import type { HttpOutputConfig } from './http-output.js';

// The user's keys come from the config schema: its generated types are the one definition.
export type RawHttpOutput = OutputHttp;

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
    ca: fileText(files, 'ca_file', raw.ca_file),
    batchMaxBytes: raw.batch_max_bytes,
    batchMaxDocs: raw.batch_max_docs,
    flushIntervalMs: durationMs(raw.flush_interval),
    maxBufferBytes: raw.max_buffer_bytes,
    requestTimeoutMs: durationMs(raw.request_timeout),
    retry: normaliseRetry(raw.retry),
  };
}

/** Credential rules of an http output entry. */
export function httpOutputRules(o: Record<string, unknown>): OutputIssue[] {
  const out = [...bothGiven(o, 'password', 'password_file'), ...bothGiven(o, 'bearer_token', 'bearer_token_file')];
  if ((o.bearer_token !== undefined || o.bearer_token_file !== undefined) && o.username !== undefined) out.push({ key: 'username', message: 'give either a bearer token or a username and password, not both' });
  if (o.username !== undefined && o.password === undefined && o.password_file === undefined) out.push({ key: 'password', message: 'is required with username (or give password_file)' });
  return out;
}

/** The secrets an http output holds, registered so they never appear in logs. */
export function httpOutputSecrets(c: HttpOutputConfig): Array<string | undefined> {
  const out = [c.auth?.kind === 'basic' ? c.auth.password : c.auth?.token];
  for (const [k, v] of Object.entries(c.headers ?? {})) if (/authorization|token|key|secret/i.test(k)) out.push(v);
  return out;
}
