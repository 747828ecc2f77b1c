// Streaming splitter for a JSON array of objects (an audit blob): bytes in, one record out per
// element, as the element's exact text minus whitespace outside strings, plus its top-level `Id`.
// Works on bytes so chunk boundaries may fall anywhere (inside strings, escapes, UTF-8 sequences)
// and memory stays bounded by one record plus the current chunk.
//
// Every record handed out is one valid JSON object with a string `Id` and no raw control character
// (so it is exactly one NDJSON line). The grammar is checked by the same byte scan that splits
// (strings are skipped natively, only the few bytes between them are stepped through), because
// JSON.parse per record halves the splitter's throughput (json-array-stream.bench.ts). A record
// that fails (not JSON, raw newline or other control character, no Id, invalid UTF-8, over the
// size limit) is not handed out but reported as a RejectedRecord with its byte offset, and the rest
// of the blob goes on. Invalid UTF-8 is rejected rather than repaired: a repaired record (U+FFFD)
// is no longer what Microsoft sent, and the quarantine keeps the exact bytes for a person to judge.

import { isUtf8 } from 'node:buffer';
import { BadBlobBodyError } from '../errors.js';
import type { RawRecord, RejectedRecord } from './types.js';

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

// Grammar inside an element: what the next token outside a string may be.
const enum Expect {
  Value,
  KeyOrClose, // after '{'
  Key, // after ',' in an object
  Colon,
  CommaOrClose,
  ValueOrClose, // after '['
}

const OBJ = 1;
const ARR = 2;

// Scalars (numbers and literals) are checked byte by byte: number states per RFC 8259 §6.
const enum Num {
  Sign = 1, // after '-'
  Zero, // a leading 0
  Int,
  Dot,
  Frac,
  E,
  ESign,
  Exp,
}
const LITERALS: Record<number, string> = { 0x74: 'true', 0x66: 'false', 0x6e: 'null' };

// Valid characters after a backslash in a JSON string.
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPES[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const LOW = 0x20202020 | 0;
const HIGH = 0x80808080 | 0;

/**
 * Whether bytes [0, len) hold a byte below 0x20. Any control character left in a record (whitespace
 * outside strings is already gone) is a raw one inside a string, which JSON forbids: a raw newline
 * would split the NDJSON line. Four bytes per step (the classic "has a byte less than n" bit trick,
 * exact for n <= 128): a regex over the decoded string cost as much as the rest of the scan.
 * `words` views the same memory as `buf`, which starts at offset 0 of its own ArrayBuffer.
 */
function hasControl(buf: Buffer, words: Int32Array, len: number): boolean {
  const n = len >> 2;
  for (let k = 0; k < n; k++) {
    const x = words[k]!;
    if (((x - LOW) & ~x & HIGH) !== 0) return true;
  }
  for (let i = n << 2; i < len; i++) if (buf[i]! < 0x20) return true;
  return false;
}

/** A record buffer that starts at offset 0 of its own ArrayBuffer, so an Int32Array can view it. */
function scratchBuffer(size: number): { buf: Buffer; words: Int32Array } {
  const buf = Buffer.allocUnsafeSlow(size);
  return { buf, words: new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2) };
}

export interface SplitterOptions {
  /** Largest accepted record, bytes (default 64 MiB): bounds memory; a longer record is rejected. */
  maxRecordBytes?: number;
}

/**
 * Push chunks, collect records. `end()` throws if the array was not closed (a cut-off body).
 * Errors are BadBlobBodyError with `offset` = absolute byte offset, retryable (a re-fetch may
 * get a good body). Bad records do not throw: they collect in `rejected` (see takeRejected()).
 */
export class JsonArraySplitter {
  /** Records that were not handed out, in order; drained by takeRejected(). */
  rejected: RejectedRecord[] = [];
  #state: State = State.BeforeArray;
  #offset = 0; // absolute offset of the current chunk's first byte
  #bomChecked = false;
  readonly #maxRecordBytes: number;

  // Kept bytes of the current element; grows to the largest record seen (bounded by maxRecordBytes).
  #scratch: Buffer;
  #words: Int32Array;
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
  // Validation of the current element.
  #recStart = 0; // absolute offset of its '{'
  #bad: string | undefined; // first grammar problem (the record is rejected at its end)
  #expect: Expect = Expect.Value;
  #stack = new Uint8Array(64);
  #hexLeft = 0; // hex digits still due after \u
  #num = 0; // Num state while in a number, 0 otherwise
  #lit: string | undefined; // literal being matched
  #litAt = 0;
  #oversize = false;
  #skipped = 0; // bytes of an oversize record not kept

  constructor(options: SplitterOptions = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
    const s = scratchBuffer(16 * 1024);
    this.#scratch = s.buf;
    this.#words = s.words;
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
            this.#recStart = this.#offset + i;
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
      throw new BadBlobBodyError(`blob body ended before the JSON array was complete (at byte ${this.#offset})`, 'truncated', this.#offset);
    }
  }

  /** The rejected records since the last call. */
  takeRejected(): RejectedRecord[] {
    const r = this.rejected;
    this.rejected = [];
    return r;
  }

  #error(what: string, i: number): BadBlobBodyError {
    const offset = this.#offset + i;
    return new BadBlobBodyError(`invalid blob body: ${what} at byte ${offset}`, 'invalid_json', offset);
  }

  /** Notes the first grammar problem of the element (scanning goes on to find its end). */
  #invalid(what: string, i: number): void {
    this.#bad ??= `${what} at byte ${this.#offset + i - this.#recStart} of the record`;
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
    this.#bad = undefined;
    this.#expect = Expect.Value;
    this.#hexLeft = 0;
    this.#num = 0;
    this.#lit = undefined;
    this.#oversize = false;
    this.#skipped = 0;
  }

  #append(buf: Buffer, from: number, to: number): void {
    const add = to - from;
    if (add <= 0) return;
    if (this.#oversize) {
      this.#skipped += add;
      return;
    }
    const need = this.#len + add;
    if (need > this.#maxRecordBytes) {
      // Memory stays bounded: the rest of this record is only scanned for its end, not kept.
      this.#oversize = true;
      this.#skipped += add;
      return;
    }
    if (need > this.#scratch.length) {
      const grown = scratchBuffer(Math.min(Math.max(need, this.#scratch.length * 2), this.#maxRecordBytes));
      this.#scratch.copy(grown.buf, 0, 0, this.#len);
      this.#scratch = grown.buf;
      this.#words = grown.words;
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
        if (this.#hexLeft > 0) {
          if (HEX[b] !== 1) this.#invalid('bad \\u escape', i);
          this.#hexLeft--;
        } else if (this.#escape) {
          this.#escape = false;
          if (ESCAPES[b] !== 1) this.#invalid('bad escape in a string', i);
          else if (b === 0x75) this.#hexLeft = 4;
        } else if (b === BACKSLASH) {
          this.#escape = true;
          this.#strEscaped = true;
        } else if (b === QUOTE) {
          this.#inString = false;
          if (this.#depth === 1 && !this.#oversize) this.#stringEnded(base + (i - seg) + 1, buf, seg);
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
        if (this.#num !== 0 || this.#lit !== undefined) this.#endScalar(i);
        this.#append(buf, seg, i);
        i++;
        while (i < n && isWs(buf[i]!)) i++;
        seg = i;
        base = this.#len;
        continue;
      }
      if (this.#num !== 0 || this.#lit !== undefined) {
        if (this.#scalarByte(b)) {
          i++;
          continue;
        }
        this.#endScalar(i);
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          this.#strEscaped = false;
          if (this.#depth === 1) this.#strStart = base + (i - seg);
          if (this.#expect === Expect.KeyOrClose || this.#expect === Expect.Key) this.#expect = Expect.Colon;
          else if (this.#expect === Expect.Value || this.#expect === Expect.ValueOrClose) this.#expect = Expect.CommaOrClose;
          else this.#invalid('unexpected string', i);
          break;
        case LBRACE:
        case LBRACKET:
          if (this.#expect !== Expect.Value && this.#expect !== Expect.ValueOrClose) this.#invalid(`unexpected "${String.fromCharCode(b)}"`, i);
          if (this.#depth >= this.#stack.length) {
            const grown = new Uint8Array(this.#stack.length * 2);
            grown.set(this.#stack);
            this.#stack = grown;
          }
          this.#stack[this.#depth] = b === LBRACE ? OBJ : ARR;
          this.#expect = b === LBRACE ? Expect.KeyOrClose : Expect.ValueOrClose;
          this.#depth++;
          if (this.#depth === 1) this.#expectKey = true;
          break;
        case RBRACE:
        case RBRACKET:
          this.#depth--;
          if (this.#depth >= 0) {
            const want = b === RBRACE ? OBJ : ARR;
            const open = b === RBRACE ? Expect.KeyOrClose : Expect.ValueOrClose;
            if (this.#stack[this.#depth] !== want || (this.#expect !== Expect.CommaOrClose && this.#expect !== open)) this.#invalid(`unexpected "${String.fromCharCode(b)}"`, i);
            this.#expect = Expect.CommaOrClose;
          }
          if (this.#depth === 0) {
            if (b !== RBRACE) throw this.#error('unbalanced "]" in an array element', i);
            this.#append(buf, seg, i + 1);
            this.#finishElement(out);
            this.#state = State.AfterElement;
            return i + 1;
          }
          if (this.#depth < 0) throw this.#error('unbalanced brackets', i);
          break;
        case COMMA:
          if (this.#expect !== Expect.CommaOrClose) this.#invalid('unexpected ","', i);
          this.#expect = this.#stack[this.#depth - 1] === OBJ ? Expect.Key : Expect.Value;
          if (this.#depth === 1) {
            this.#expectKey = true;
            this.#lastKeyIsId = false;
          }
          break;
        case COLON:
          if (this.#expect !== Expect.Colon) this.#invalid('unexpected ":"', i);
          this.#expect = Expect.Value;
          if (this.#depth === 1) this.#expectKey = false;
          break;
        default:
          this.#startScalar(b, i);
          break;
      }
      i++;
    }
    this.#append(buf, seg, n);
    return n;
  }

  #startScalar(b: number, i: number): void {
    if (this.#expect !== Expect.Value && this.#expect !== Expect.ValueOrClose) {
      this.#invalid(`unexpected "${String.fromCharCode(b)}"`, i);
      return;
    }
    this.#expect = Expect.CommaOrClose;
    const lit = LITERALS[b];
    if (lit !== undefined) {
      this.#lit = lit;
      this.#litAt = 1;
    } else if (b === 0x2d) this.#num = Num.Sign;
    else if (b === 0x30) this.#num = Num.Zero;
    else if (b > 0x30 && b <= 0x39) this.#num = Num.Int;
    else this.#invalid(`unexpected "${String.fromCharCode(b)}"`, i);
  }

  /** One more byte of a scalar: true if it belongs to it (valid or not), false if it ends it. */
  #scalarByte(b: number): boolean {
    const lit = this.#lit;
    if (lit !== undefined) {
      // Letters continue a literal; a wrong letter leaves #litAt past the end (invalid at its end).
      if (b < 0x61 || b > 0x7a) return false;
      this.#litAt = this.#litAt < lit.length && lit.charCodeAt(this.#litAt) === b ? this.#litAt + 1 : lit.length + 1;
      return true;
    }
    const digit = b >= 0x30 && b <= 0x39;
    switch (this.#num as Num) {
      case Num.Sign:
        if (!digit) return this.#other(b);
        this.#num = b === 0x30 ? Num.Zero : Num.Int;
        return true;
      case Num.Zero:
      case Num.Int:
      case Num.Frac:
        if (digit) {
          if (this.#num === Num.Zero) this.#num = -1;
          return true;
        }
        if (b === 0x2e && this.#num !== Num.Frac) this.#num = Num.Dot;
        else if (b === 0x65 || b === 0x45) this.#num = Num.E;
        else return this.#other(b);
        return true;
      case Num.Dot:
        if (!digit) return this.#other(b);
        this.#num = Num.Frac;
        return true;
      case Num.E:
        if (b === 0x2b || b === 0x2d) this.#num = Num.ESign;
        else if (digit) this.#num = Num.Exp;
        else return this.#other(b);
        return true;
      case Num.ESign:
      case Num.Exp:
        if (!digit) return this.#other(b);
        this.#num = Num.Exp;
        return true;
      default:
        return this.#other(b);
    }
  }

  /** A byte that is no structural character: part of a broken scalar. */
  #other(b: number): boolean {
    if (b === QUOTE || b === LBRACE || b === RBRACE || b === LBRACKET || b === RBRACKET || b === COMMA || b === COLON) return false;
    this.#num = -1;
    return true;
  }

  #endScalar(i: number): void {
    const lit = this.#lit;
    if (lit !== undefined) {
      if (this.#litAt !== lit.length) this.#invalid('invalid literal', i);
      this.#lit = undefined;
    } else {
      const s = this.#num;
      if (s !== Num.Zero && s !== Num.Int && s !== Num.Frac && s !== Num.Exp) this.#invalid('invalid number', i);
      this.#num = 0;
    }
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

  #finishElement(out: RawRecord[]): void {
    const rec = this.#scratch;
    const len = this.#len;
    this.#len = 0;
    const offset = this.#recStart;
    if (this.#oversize) {
      const size = len + this.#skipped;
      this.#reject({ offset, reason: 'oversize', message: `record of ${size} bytes is larger than the limit of ${this.#maxRecordBytes} bytes (max_record_bytes)`, size });
      return;
    }
    // Native and cheap (a few ns per 100 bytes): decoding alone would silently repair bad bytes.
    if (!isUtf8(rec.subarray(0, len))) {
      this.#reject({ offset, reason: 'invalid_utf8', message: 'record is not valid UTF-8', size: len, bytes: Buffer.from(rec.subarray(0, len)) });
      return;
    }
    const bad = this.#bad ?? (hasControl(rec, this.#words, len) ? 'raw control character (such as a newline) inside a string' : undefined);
    if (bad !== undefined) {
      this.#reject({ offset, reason: 'invalid_json', message: `record is not valid JSON: ${bad}`, size: len, bytes: Buffer.from(rec.subarray(0, len)) });
      return;
    }
    const raw = rec.toString('utf8', 0, len);
    let id: string | undefined;
    if (this.#idStart >= 0) {
      id = this.#idEscaped ? (JSON.parse(rec.toString('utf8', this.#idStart, this.#idEnd)) as string) : rec.toString('utf8', this.#idStart + 1, this.#idEnd - 1);
    }
    if (id === undefined || id === '') {
      this.#reject({ offset, reason: 'no_id', message: 'record has no "Id" string: it cannot be de-duplicated', size: len, bytes: Buffer.from(rec.subarray(0, len)) });
      return;
    }
    out.push({ raw, id, bytes: len });
  }

  #reject(r: RejectedRecord): void {
    this.rejected.push(r);
  }
}

/**
 * Splits an async byte stream, awaiting `onRecord` per record (back-pressure). Throws
 * BadBlobBodyError (retryable) on a cut-off or invalid body, naming the byte offset.
 */
export async function splitJsonArrayStream(
  source: AsyncIterable<Uint8Array>,
  onRecord: (record: RawRecord) => void | Promise<void>,
  options: SplitterOptions & { onRejected?: (r: RejectedRecord) => void | Promise<void> } = {},
): Promise<number> {
  const splitter = new JsonArraySplitter(options);
  let count = 0;
  for await (const chunk of source) {
    for (const rec of splitter.push(chunk)) {
      await onRecord(rec);
      count++;
    }
    if (splitter.rejected.length > 0) for (const r of splitter.takeRejected()) await options.onRejected?.(r);
  }
  splitter.end();
  return count;
}
