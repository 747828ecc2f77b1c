import { describe, expect, it } from 'vitest';
import { JsonArraySplitter, splitJsonArrayStream } from './json-array-stream.js';
import type { RawRecord } from './types.js';

// Small deterministic PRNG so failures reproduce (seed printed in the assertion message).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'plain', 'with "quotes"', 'back\\slash', 'tab\there', 'new\nline', 'é ü ß', '日本語テキスト', '😀 emoji 🎉', '\u0000ctl\u001f', '{"not":"json"}', '[1,2]', ' spaced  out ', '\\"', '$weird$id$'];

function randomValue(r: () => number, depth: number): string {
  const k = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (k) {
    case 0: return JSON.stringify(STRINGS[Math.floor(r() * STRINGS.length)]);
    case 1: return ['1.0', '-0', '12345678901234567890123', '1e400', '2.50E-3', '0', '-17'][Math.floor(r() * 7)]!;
    case 2: return ['true', 'false', 'null'][Math.floor(r() * 3)]!;
    case 3: return '"\\u00e9\\ud83d\\ude00\\/"';
    case 4: return JSON.stringify(STRINGS[Math.floor(r() * STRINGS.length)]! + String(r()));
    case 5: return '"x"';
    case 6: return randomObject(r, depth + 1, false);
    default: return `[ ${Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1)).join(' ,\n ')} ]`;
  }
}

function ws(r: () => number): string {
  return [' ', '', '\n', '\r\n  ', '\t', ''][Math.floor(r() * 6)]!;
}

function randomObject(r: () => number, depth: number, top: boolean): string {
  const keys: string[] = [];
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) keys.push(JSON.stringify(['a', 'Name', 'id', 'ID', 'Ids', 'k y', 'ü'][Math.floor(r() * 7)]! + i));
  if (top && r() < 0.85) keys.splice(Math.floor(r() * (keys.length + 1)), 0, '"Id"');
  if (!top && r() < 0.3) keys.push('"Id"'); // nested Id must not count
  const body = keys.map((k) => `${ws(r)}${k}${ws(r)}:${ws(r)}${k === '"Id"' && top ? (r() < 0.9 ? JSON.stringify(`id-${Math.floor(r() * 1e9)}$${STRINGS[Math.floor(r() * STRINGS.length)]}`) : randomValue(r, depth + 1)) : randomValue(r, depth + 1)}${ws(r)}`);
  return `{${body.join(',')}}`;
}

function strip(json: string): string {
  // Reference whitespace stripping: drop JSON whitespace outside strings.
  let out = '';
  let inStr = false;
  let esc = false;
  for (const ch of json) {
    if (inStr) {
      out += ch;
      if (esc) esc = false;
      else if (ch === '\\') esc = true;
      else if (ch === '"') inStr = false;
    } else if (ch === '"') {
      inStr = true;
      out += ch;
    } else if (!' \t\n\r'.includes(ch)) out += ch;
  }
  return out;
}

function splitAt(buf: Buffer, r: () => number): Buffer[] {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const len = r() < 0.5 ? 1 + Math.floor(r() * 3) : 1 + Math.floor(r() * 64);
    parts.push(buf.subarray(i, i + len));
    i += len;
  }
  return parts;
}

function runSplitter(chunks: Buffer[]): RawRecord[] {
  const s = new JsonArraySplitter();
  const out: RawRecord[] = [];
  for (const c of chunks) out.push(...s.push(c));
  s.end();
  return out;
}

describe('JsonArraySplitter', () => {
  it('matches JSON.parse on random arrays split at random byte boundaries (property test)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const elems = Array.from({ length: Math.floor(r() * 6) }, () => randomObject(r, 0, true));
      const text = `${ws(r)}[${ws(r)}${elems.join(`${ws(r)},${ws(r)}`)}${ws(r)}]${ws(r)}`;
      const expected = JSON.parse(text) as Record<string, unknown>[];
      const recs = runSplitter(splitAt(Buffer.from(text, 'utf8'), r));
      expect(recs.length, `seed ${seed}`).toBe(expected.length);
      recs.forEach((rec, k) => {
        expect(JSON.parse(rec.raw), `seed ${seed}`).toEqual(expected[k]);
        expect(rec.raw, `seed ${seed}`).toBe(strip(elems[k]!));
        expect(rec.raw.includes('\n'), `seed ${seed}`).toBe(false);
        const id = expected[k]!['Id'];
        expect(rec.id, `seed ${seed}`).toBe(typeof id === 'string' ? id : undefined);
      });
    }
  });

  it('keeps numbers, escapes and key order byte-for-byte (no re-serialisation)', () => {
    const el = '{"Id":"a$b","n":1.0,"big":12345678901234567890,"e":1E+2,"z":"\\u00e9\\/","a":[ 1 , 2 ]}';
    const [rec] = runSplitter([Buffer.from(`[${el}]`)]);
    expect(rec!.raw).toBe('{"Id":"a$b","n":1.0,"big":12345678901234567890,"e":1E+2,"z":"\\u00e9\\/","a":[1,2]}');
    expect(rec!.id).toBe('a$b');
  });

  it('decodes an escaped Id value and ignores nested Id keys', () => {
    const recs = runSplitter([Buffer.from('[{"x":{"Id":"inner"},"Id":"a\\"b\\u00e9"},{"x":{"Id":"only-nested"}}]')]);
    expect(recs[0]!.id).toBe('a"bé');
    expect(recs[1]!.id).toBeUndefined();
  });

  it('splits multi-byte UTF-8 sequences across chunks without corrupting them', () => {
    const buf = Buffer.from('[{"Id":"😀","v":"日本"}]');
    const chunks = Array.from(buf, (b) => Buffer.from([b]));
    const [rec] = runSplitter(chunks);
    expect(rec!.raw).toBe('{"Id":"😀","v":"日本"}');
    expect(rec!.id).toBe('😀');
  });

  it('accepts an empty array and a UTF-8 BOM', () => {
    expect(runSplitter([Buffer.from(' [ ] ')])).toEqual([]);
    expect(runSplitter([Buffer.from('\ufeff[{"Id":"x"}]')])[0]!.id).toBe('x');
  });

  it.each([
    ['{"Id":"x"}', 'not a JSON array', 0],
    ['[1,2]', 'not an object', 1],
    ['[{"a":1} {"b":2}]', 'expected', 9],
    ['[{"a":1},]', 'not an object', 9],
    ['[{"a":1}] x', 'after the end', 10],
    ['[{"a":1]}]', 'unbalanced', 7],
  ])('rejects %s naming the byte offset', (text, what, offset) => {
    try {
      runSplitter([Buffer.from(text)]);
      expect.unreachable();
    } catch (e) {
      const err = e as { code: string; message: string; context: { offset: number } };
      expect(err.code).toBe('O365_ERR_API');
      expect(err.message).toContain(what);
      expect(err.context.offset).toBe(offset);
    }
  });

  it('reports a cut-off body at end() with the offset reached', () => {
    const s = new JsonArraySplitter();
    const recs = s.push(Buffer.from('[{"Id":"a"},{"Id":"b", "x":"unfinished'));
    expect(recs.map((r) => r.id)).toEqual(['a']);
    expect(() => s.end()).toThrow(/ended before the JSON array was complete \(at byte 38\)/);
  });

  it('bounds memory: a record over maxRecordBytes is an error, not a buffer that grows', () => {
    const s = new JsonArraySplitter({ maxRecordBytes: 100 });
    s.push(Buffer.from('[{"a":"'));
    expect(() => s.push(Buffer.alloc(200, 0x61))).toThrow(/larger than 100 bytes/);
  });

  it('splitJsonArrayStream awaits onRecord per record, in order', async () => {
    async function* src() {
      yield Buffer.from('[{"Id":"1"},');
      yield Buffer.from('{"Id":"2"}]');
    }
    const seen: string[] = [];
    const n = await splitJsonArrayStream(src(), async (r) => {
      await new Promise((res) => setTimeout(res, 5));
      seen.push(r.id!);
    });
    expect(n).toBe(2);
    expect(seen).toEqual(['1', '2']);
  });
});
