// Helpers the outputs' normalisers share (each output's own `config.ts` turns its snake_case entry,
// already checked against its schema fragment, into its camelCase config).

import { resolve } from 'node:path';
import { parseDuration } from '../shared/duration.js';
import type { RetryPolicy } from '../shared/retry.js';

/** How the normalisers read referenced files: `key` is the output's key (`ca_file`), for messages. */
export interface OutputFileReader {
  baseDir: string;
  /** The file's text, or undefined after recording a problem at `key`. */
  read(key: string, name: string): string | undefined;
}

/** The `retry` block every shipping output accepts. */
export interface RawRetry {
  max_attempts?: number;
  base_delay?: string;
  max_delay?: string;
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

/** A file's text read relative to the config file's folder (a CA, a certificate). */
export function fileText(files: OutputFileReader, key: string, file: string | undefined): string | undefined {
  return file === undefined ? undefined : files.read(key, resolve(files.baseDir, file));
}
