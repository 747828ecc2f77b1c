// Compact, exact binary form of a record Id for the on-disk index. Microsoft's Ids are GUIDs:
// their 36 characters become 16 bytes (a tag keeps lower- and upper-case apart, so two Ids are
// equal exactly when their strings are). Other Ids are kept as UTF-8; one too long for an LMDB
// key is replaced by its SHA-256 (a collision would need a second-preimage attack on SHA-256).

import { createHash } from 'node:crypto';

const TAG_UTF8 = 0;
const TAG_GUID_LOWER = 1;
const TAG_GUID_UPPER = 2;
const TAG_SHA256 = 3;
/** Longest suffix stored as is: LMDB keys stop at 1978 bytes, and the expiry lists use a 1-byte length. */
export const MAX_RAW_ID_BYTES = 200;
/** Longest encoded Id (tag + payload). */
export const MAX_ID_KEY_BYTES = 1 + MAX_RAW_ID_BYTES;

const GUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

function hexVal(c: number): number {
  // '0'-'9', 'A'-'F', 'a'-'f' (already validated by the pattern)
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

function writeGuid(id: string, buf: Buffer, at: number): number {
  let o = at;
  for (let i = 0; i < 36; ) {
    const c = id.charCodeAt(i);
    if (c === 45) {
      i++;
      continue;
    }
    buf[o++] = (hexVal(c) << 4) | hexVal(id.charCodeAt(i + 1));
    i += 2;
  }
  return o;
}

/** Writes the encoded Id into `buf` at `at` (room for MAX_ID_KEY_BYTES needed); returns the end. */
export function writeIdKey(id: string, buf: Buffer, at: number): number {
  if (id.length === 36) {
    if (GUID_LOWER.test(id)) {
      buf[at] = TAG_GUID_LOWER;
      return writeGuid(id, buf, at + 1);
    }
    if (GUID_UPPER.test(id)) {
      buf[at] = TAG_GUID_UPPER;
      return writeGuid(id, buf, at + 1);
    }
  }
  if (id.length <= MAX_RAW_ID_BYTES / 3 || Buffer.byteLength(id, 'utf8') <= MAX_RAW_ID_BYTES) {
    buf[at] = TAG_UTF8;
    return at + 1 + buf.write(id, at + 1, 'utf8');
  }
  buf[at] = TAG_SHA256;
  return at + 1 + createHash('sha256').update(id, 'utf8').digest().copy(buf, at + 1);
}

const HEX = '0123456789abcdef';

function readGuid(buf: Buffer, at: number, upper: boolean): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    const b = buf[at + i] as number;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return upper ? s.toUpperCase() : s;
}

/** The Id back from its encoding, or undefined for a hashed (over-long) one. */
export function readIdKey(buf: Buffer, at: number, end: number): string | undefined {
  switch (buf[at]) {
    case TAG_UTF8:
      return buf.toString('utf8', at + 1, end);
    case TAG_GUID_LOWER:
      return readGuid(buf, at + 1, false);
    case TAG_GUID_UPPER:
      return readGuid(buf, at + 1, true);
    default:
      return undefined;
  }
}

/** The encoded Id as a fresh Buffer (tests, tools). */
export function idKey(id: string): Buffer {
  const buf = Buffer.allocUnsafe(MAX_ID_KEY_BYTES);
  return Buffer.from(buf.subarray(0, writeIdKey(id, buf, 0)));
}
