// Streaming splitter for a JSON array of objects (an audit blob): bytes in, one record out per
// element, as the element's exact text minus whitespace outside strings, plus its top-level `Id`.
// Works on bytes so chunk boundaries may fall anywhere (inside strings, escapes, UTF-8 sequences)
// and memory stays bounded by one record plus the current chunk.

import { ApiError } from '../errors.js';
import type { RawRecord } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const enum State {
  BeforeArray,
  BeforeFirst, // after '[': an object or ']'
  BeforeNext, // after ',': an object only (no trailing comma)
  InElement,
  AfterElement,
  Done,
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export interface SplitterOptions {
  /** Largest accepted record, bytes (default 64 MiB): bounds memory on a corrupt body. */
  maxRecordBytes?: number;
}

/**
 * Push chunks, collect records. `end()` throws if the array was not closed (a cut-off body).
 * Errors are ApiError with `context.offset` = absolute byte offset, retryable (a re-fetch may
 * get a good body).
 */
export class JsonArraySplitter {
  #state: State = State.BeforeArray;
  #offset = 0; // absolute offset of the current chunk's first byte
  #bomChecked = false;
  readonly #maxRecordBytes: number;

  // Kept bytes of the current element; grows to the largest record seen (bounded by maxRecordBytes).
  #scratch: Buffer = Buffer.allocUnsafe(16 * 1024);
  #len = 0;
  // Next backslash at or after the scan position in the current chunk (cached: indexOf per
  // string would rescan the rest of the chunk each time when a chunk has no backslash at all).
  #nextBs = -1;
  #bsChunk: Buffer | undefined;
  #depth = 0;
  #inString = false;
  #escape = false;
  // Top-level key tracking for `Id`, in record-relative (stripped) byte offsets.
  #expectKey = false;
  #strStart = -1;
  #lastKeyIsId = false;
  #idStart = -1;
  #idEnd = -1;
  #idEscaped = false;
  #strEscaped = false;

  constructor(options: SplitterOptions = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  /** Feeds one chunk; returns the records it completed (in order). */
  push(chunk: Uint8Array): RawRecord[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: RawRecord[] = [];
    let i = 0;
    this.#bsChunk = undefined; // a caller may reuse one Buffer for new bytes
    if (!this.#bomChecked && buf.length > 0) {
      // A UTF-8 BOM is not JSON but some servers send it; skip it (a split BOM is not worth handling).
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
      this.#bomChecked = true;
    }
    const n = buf.length;
    while (i < n) {
      if (this.#state === State.InElement) {
        i = this.#scanElement(buf, i, out);
        continue;
      }
      const b = buf[i]!;
      if (isWs(b)) {
        i++;
        continue;
      }
      switch (this.#state) {
        case State.BeforeArray:
          if (b !== LBRACKET) throw this.#error('body is not a JSON array', i);
          this.#state = State.BeforeFirst;
          i++;
          break;
        case State.BeforeFirst:
        case State.BeforeNext:
          if (b === RBRACKET && this.#state === State.BeforeFirst) {
            this.#state = State.Done;
            i++;
          } else if (b === LBRACE) {
            this.#startElement();
            this.#state = State.InElement;
          } else {
            throw this.#error('array element is not an object', i);
          }
          break;
        case State.AfterElement:
          if (b === COMMA) this.#state = State.BeforeNext;
          else if (b === RBRACKET) this.#state = State.Done;
          else throw this.#error('expected "," or "]" after an array element', i);
          i++;
          break;
        case State.Done:
          throw this.#error('data after the end of the array', i);
      }
    }
    this.#offset += n;
    return out;
  }

  /** Declares the end of input; throws if the array is incomplete (cut-off body). */
  end(): void {
    if (this.#state !== State.Done) {
      throw new ApiError(`blob body ended before the JSON array was complete (at byte ${this.#offset})`, undefined, undefined, {
        retryable: true,
        context: { offset: this.#offset, reason: 'truncated' },
      });
    }
  }

  #error(what: string, i: number): ApiError {
    const offset = this.#offset + i;
    return new ApiError(`invalid blob body: ${what} at byte ${offset}`, undefined, undefined, {
      retryable: true,
      context: { offset, reason: 'invalid_json' },
    });
  }

  #startElement(): void {
    this.#len = 0;
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    this.#expectKey = false;
    this.#lastKeyIsId = false;
    this.#idStart = -1;
    this.#idEnd = -1;
  }

  #append(buf: Buffer, from: number, to: number, at: number): void {
    const add = to - from;
    if (add <= 0) return;
    const need = this.#len + add;
    if (need > this.#maxRecordBytes) throw this.#error(`record larger than ${this.#maxRecordBytes} bytes`, at);
    if (need > this.#scratch.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, this.#scratch.length * 2), this.#maxRecordBytes));
      this.#scratch.copy(grown, 0, 0, this.#len);
      this.#scratch = grown;
    }
    buf.copy(this.#scratch, this.#len, from, to);
    this.#len = need;
  }

  /** Scans inside an element from `i`; returns the index where the caller resumes. */
  #scanElement(buf: Buffer, i: number, out: RawRecord[]): number {
    const n = buf.length;
    let seg = i; // start of the current kept segment
    // `base` maps a buffer index to a record-relative offset: rel = base + (idx - seg).
    let base = this.#len;
    while (i < n) {
      const b = buf[i]!;
      if (this.#inString) {
        if (this.#escape) {
          this.#escape = false;
        } else if (b === BACKSLASH) {
          this.#escape = true;
          this.#strEscaped = true;
        } else if (b === QUOTE) {
          this.#inString = false;
          if (this.#depth === 1) this.#stringEnded(base + (i - seg) + 1, buf, seg);
        } else {
          // Fast path: jump (natively) to the next quote or backslash.
          if (this.#bsChunk !== buf || (this.#nextBs !== -1 && this.#nextBs < i)) {
            this.#bsChunk = buf;
            this.#nextBs = buf.indexOf(BACKSLASH, i);
          }
          let q = buf.indexOf(QUOTE, i);
          if (q === -1) q = n;
          i = this.#nextBs !== -1 && this.#nextBs < q ? this.#nextBs : q;
          continue;
        }
        i++;
        continue;
      }
      if (isWs(b)) {
        this.#append(buf, seg, i, i);
        i++;
        while (i < n && isWs(buf[i]!)) i++;
        seg = i;
        base = this.#len;
        continue;
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          this.#strEscaped = false;
          if (this.#depth === 1) this.#strStart = base + (i - seg);
          break;
        case LBRACE:
        case LBRACKET:
          this.#depth++;
          if (this.#depth === 1) this.#expectKey = true;
          break;
        case RBRACE:
        case RBRACKET:
          this.#depth--;
          if (this.#depth === 0) {
            if (b !== RBRACE) throw this.#error('unbalanced "]" in an array element', i);
            this.#append(buf, seg, i + 1, i);
            out.push(this.#finishElement());
            this.#state = State.AfterElement;
            return i + 1;
          }
          if (this.#depth < 0) throw this.#error('unbalanced brackets', i);
          break;
        case COMMA:
          if (this.#depth === 1) {
            this.#expectKey = true;
            this.#lastKeyIsId = false;
          }
          break;
        case COLON:
          if (this.#depth === 1) this.#expectKey = false;
          break;
        default:
          break;
      }
      i++;
    }
    this.#append(buf, seg, n, n);
    return n;
  }

  /**
   * A string closed at depth 1; `end` is the record-relative offset just past its closing quote.
   * Bytes before `this.#len` are in #scratch; later ones still sit in `buf` from `seg` on.
   */
  #stringEnded(end: number, buf: Buffer, seg: number): void {
    const start = this.#strStart;
    if (this.#expectKey) {
      // Only the exact bytes "Id" count (escaped spellings of the key are not worth decoding).
      this.#lastKeyIsId =
        end - start === 4 && !this.#strEscaped && this.#byteAt(start + 1, buf, seg) === 0x49 && this.#byteAt(start + 2, buf, seg) === 0x64;
      if (this.#lastKeyIsId) this.#idStart = -1;
    } else if (this.#lastKeyIsId) {
      // Last duplicate wins, as with JSON.parse.
      this.#idStart = start;
      this.#idEnd = end;
      this.#idEscaped = this.#strEscaped;
      this.#lastKeyIsId = false;
    }
  }

  #byteAt(rel: number, buf: Buffer, seg: number): number {
    return rel < this.#len ? this.#scratch[rel]! : buf[seg + rel - this.#len]!;
  }

  #finishElement(): RawRecord {
    const rec = this.#scratch;
    const raw = rec.toString('utf8', 0, this.#len);
    let id: string | undefined;
    if (this.#idStart >= 0) {
      id = this.#idEscaped
        ? (JSON.parse(rec.toString('utf8', this.#idStart, this.#idEnd)) as string)
        : rec.toString('utf8', this.#idStart + 1, this.#idEnd - 1);
    }
    this.#len = 0;
    return { raw, id };
  }
}

/**
 * Splits an async byte stream, awaiting `onRecord` per record (back-pressure). Throws ApiError
 * (retryable) on a cut-off or invalid body, naming the byte offset.
 */
export async function splitJsonArrayStream(
  source: AsyncIterable<Uint8Array>,
  onRecord: (record: RawRecord) => void | Promise<void>,
  options: SplitterOptions = {},
): Promise<number> {
  const splitter = new JsonArraySplitter(options);
  let count = 0;
  for await (const chunk of source) {
    for (const rec of splitter.push(chunk)) {
      await onRecord(rec);
      count++;
    }
  }
  splitter.end();
  return count;
}
