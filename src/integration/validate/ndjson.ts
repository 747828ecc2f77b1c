// Line-by-line validation of NDJSON: each line is parsed, classified as a raw record or an output
// document (unless the kind is forced) and checked against its schema. Streams with readline, so
// memory stays bounded by the longest line, whatever the file size.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { SchemaObject } from '../../generated/schemas.js';
import { createValidator, type SchemaIssue, type ValidationKind, type Validator } from './validator.js';

/** One problem on one line. `kind` is the schema the line was checked against ('unknown' when it was not JSON). */
export interface Issue extends SchemaIssue {
  line: number;
  kind: ValidationKind | 'unknown';
  /** The record's Id (raw) or event.id / o365.audit.Id (document), when the line has one. */
  recordId?: string;
}

export interface LineOptions {
  /** Force a schema instead of detecting it per line (default 'auto'). */
  kind?: ValidationKind | 'auto';
  /** Schemas to use instead of the generated ones. */
  schemas?: { record?: SchemaObject; document?: SchemaObject };
}

export interface Counts {
  /** Lines read, blank ones included. */
  lines: number;
  blank: number;
  valid: number;
  invalid: number;
}

/** Cap per line, so one document with thousands of undeclared fields cannot flood the report. */
export const MAX_ISSUES_PER_LINE = 20;

const validators = new WeakMap<LineOptions, Partial<Record<ValidationKind, Validator>>>();
const defaultKey: LineOptions = {};

function validatorFor(kind: ValidationKind, options: LineOptions): Validator {
  const key = options.schemas ? options : defaultKey;
  let cache = validators.get(key);
  if (!cache) validators.set(key, (cache = {}));
  return (cache[kind] ??= createValidator(kind, { schema: options.schemas?.[kind] }));
}

/**
 * A raw record has `CreationTime` and `Operation` and no `@timestamp`; an output document has
 * `@timestamp` or an `event` object. A line that is neither is checked as a record, so the
 * report names the missing record fields.
 */
export function detectKind(value: Record<string, unknown>): ValidationKind {
  if ('@timestamp' in value) return 'document';
  if ('CreationTime' in value && 'Operation' in value) return 'record';
  if (typeof value.event === 'object' && value.event !== null && !('CreationTime' in value)) return 'document';
  return 'record';
}

function recordIdOf(value: Record<string, unknown>, kind: ValidationKind): string | undefined {
  const pick = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  if (kind === 'record') return pick(value.Id);
  const event = value.event as Record<string, unknown> | undefined;
  const o365 = value.o365 as { audit?: Record<string, unknown> } | undefined;
  return pick(event?.id) ?? pick(o365?.audit?.Id);
}

/** Issues of one NDJSON line (1-based `lineNo`); an empty list means valid. Blank lines are valid. */
export function validateLine(line: string, lineNo: number, options: LineOptions = {}): Issue[] {
  const text = lineNo === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (text.trim() === '') return [];
  const forced = options.kind && options.kind !== 'auto' ? options.kind : undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return [{ line: lineNo, kind: forced ?? 'unknown', path: '', field: '', reason: `not valid JSON: ${(error as Error).message}` }];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return [{ line: lineNo, kind: forced ?? 'unknown', path: '', field: '', reason: `must be a JSON object, got ${got}` }];
  }
  const object = value as Record<string, unknown>;
  const kind = forced ?? detectKind(object);
  const recordId = recordIdOf(object, kind);
  const found = validatorFor(kind, options).validate(object);
  const issues: Issue[] = found.slice(0, MAX_ISSUES_PER_LINE).map((i) => ({ line: lineNo, kind, ...i, ...(recordId ? { recordId } : {}) }));
  if (found.length > MAX_ISSUES_PER_LINE) {
    issues.push({ line: lineNo, kind, path: '', field: '', reason: `${found.length - MAX_ISSUES_PER_LINE} more issue(s) on this line not shown`, ...(recordId ? { recordId } : {}) });
  }
  return issues;
}

/** The issues of a whole stream, plus running counts (final once iteration ends). */
export interface ValidationRun extends AsyncIterable<Issue> {
  readonly counts: Counts;
}

/**
 * Validates an NDJSON stream line by line. Read errors (unreadable file, broken pipe) are thrown
 * from the iteration. Accepts CRLF line ends and a UTF-8 BOM.
 */
export function validateNdjson(input: Readable, options: LineOptions = {}): ValidationRun {
  const counts: Counts = { lines: 0, blank: 0, valid: 0, invalid: 0 };
  async function* run(): AsyncGenerator<Issue> {
    // readline does not pass the input's errors to its iterator: catch them and rethrow.
    let readError: Error | undefined;
    const lines = createInterface({ input, crlfDelay: Infinity });
    input.once('error', (error: Error) => {
      readError = error;
      lines.close();
    });
    try {
      for await (const line of lines) {
        counts.lines += 1;
        if (line.trim() === '') {
          counts.blank += 1;
          continue;
        }
        const issues = validateLine(line, counts.lines, options);
        if (issues.length === 0) counts.valid += 1;
        else counts.invalid += 1;
        yield* issues;
      }
      if (readError) throw readError;
    } finally {
      lines.close();
    }
  }
  return { counts, [Symbol.asyncIterator]: run };
}
