// Deterministic hashing and random streams: every simulated value is a pure function of the seed and
// a few integers, so nothing has to be stored and two runs with one seed answer byte for byte alike.

/** Murmur3 finaliser: a cheap 32-bit avalanche. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of up to six integers (missing ones count as 0). */
export function hash(a: number, b = 0, c = 0, d = 0, e = 0, f = 0): number {
  let h = fmix(a ^ 0x9e3779b9);
  h = fmix(h ^ Math.imul(b + 0x632be5ab, 0x2545f491));
  h = fmix(h ^ Math.imul(c + 0x165667b1, 0x27d4eb2f));
  h = fmix(h ^ Math.imul(d + 0x7f4a7c15, 0x61c88647));
  h = fmix(h ^ Math.imul(e + 0x3c6ef372, 0x1b873593));
  return fmix(h ^ Math.imul(f + 0x5bd1e995, 0xcc9e2d51));
}

/** FNV-1a of a string, then avalanched. */
export function hashStr(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

/** Uniform [0, 1) from a uint32. */
export function unit(u: number): number {
  return u / 4294967296;
}

/** A small sequential stream (mulberry32) for the many fields of one record. */
export class Stream {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.next() % list.length] as T;
  }
  chance(p: number): boolean {
    return this.next() < p * 4294967296;
  }
  guid(): string {
    return guid(this.next(), this.next(), this.next(), this.next());
  }
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function hex32(u: number): string {
  return (HEX[u >>> 24] as string) + HEX[(u >>> 16) & 255] + HEX[(u >>> 8) & 255] + HEX[u & 255];
}

/** RFC 4122 version-4 shaped GUID from 128 bits (table lookups only: this is the hottest helper). */
export function guid(a: number, b: number, c: number, d: number): string {
  const H = HEX as readonly string[];
  const c2 = ((c >>> 16) & 0x0fff) | 0x4000;
  const c3 = (c & 0x3fff) | 0x8000;
  return `${H[a >>> 24]}${H[(a >>> 16) & 255]}${H[(a >>> 8) & 255]}${H[a & 255]}-${H[b >>> 24]}${H[(b >>> 16) & 255]}-${H[c2 >>> 8]}${H[c2 & 255]}-${H[c3 >>> 8]}${H[c3 & 255]}-${H[(b >>> 8) & 255]}${H[b & 255]}${H[d >>> 24]}${H[(d >>> 16) & 255]}${H[(d >>> 8) & 255]}${H[d & 255]}`;
}

/** Lower-case hex of n bytes drawn from a stream. */
export function hexString(s: Stream, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i += 4) out += hex32(s.next());
  return out.slice(0, bytes * 2);
}
