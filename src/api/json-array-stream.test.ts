import { describe, expect, it } from 'vitest';
import { JsonArraySplitter, splitJsonArrayStream } from './json-array-stream.js';
import type { RawRecord, RejectedRecord } from './types.js';

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

function runSplitter(chunks: Buffer[], rejected: RejectedRecord[] = []): RawRecord[] {
  const s = new JsonArraySplitter();
  const out: RawRecord[] = [];
  for (const c of chunks) {
    out.push(...s.push(c));
    rejected.push(...s.takeRejected());
  }
  s.end();
  return out;
}

/** Splits `text` one byte per chunk and in one chunk; both must agree. */
function both(text: string | Buffer): { recs: RawRecord[]; rejected: RejectedRecord[] } {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const rejected: RejectedRecord[] = [];
  const recs = runSplitter([buf], rejected);
  const rej1: RejectedRecord[] = [];
  const recs1 = runSplitter(Array.from(buf, (b) => Buffer.from([b])), rej1);
  expect(recs1).toEqual(recs);
  expect(rej1).toEqual(rejected);
  return { recs, rejected };
}

describe('JsonArraySplitter', () => {
  it('matches JSON.parse on random arrays split at random byte boundaries (property test)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const elems = Array.from({ length: Math.floor(r() * 6) }, () => randomObject(r, 0, true));
      const text = `${ws(r)}[${ws(r)}${elems.join(`${ws(r)},${ws(r)}`)}${ws(r)}]${ws(r)}`;
      const expected = JSON.parse(text) as Record<string, unknown>[];
      const rejected: RejectedRecord[] = [];
      const recs = runSplitter(splitAt(Buffer.from(text, 'utf8'), r), rejected);
      // Records without a string Id are rejected (not handed out); every other one comes out.
      const withId = expected.map((e, k) => ({ e, k })).filter(({ e }) => typeof e['Id'] === 'string' && e['Id'] !== '');
      expect(recs.length, `seed ${seed}`).toBe(withId.length);
      expect(rejected.length, `seed ${seed}`).toBe(expected.length - withId.length);
      expect(rejected.every((x) => x.reason === 'no_id'), `seed ${seed}`).toBe(true);
      recs.forEach((rec, j) => {
        const { e, k } = withId[j]!;
        expect(JSON.parse(rec.raw), `seed ${seed}`).toEqual(e);
        expect(rec.raw, `seed ${seed}`).toBe(strip(elems[k]!));
        expect(rec.raw.includes('\n'), `seed ${seed}`).toBe(false);
        expect(rec.id, `seed ${seed}`).toBe(e['Id']);
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
    const rejected: RejectedRecord[] = [];
    const recs = runSplitter([Buffer.from('[{"x":{"Id":"inner"},"Id":"a\\"b\\u00e9"},{"x":{"Id":"only-nested"}}]')], rejected);
    expect(recs.map((r) => r.id)).toEqual(['a"bé']);
    expect(rejected.map((r) => [r.reason, r.offset])).toEqual([['no_id', 40]]);
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
      const err = e as { code: string; message: string; context: { offset: number }; retryable: boolean };
      expect(err.retryable).toBe(true);
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

  it('bounds memory: a record over maxRecordBytes is rejected (size, no bytes kept) and the next one delivered', () => {
    const s = new JsonArraySplitter({ maxRecordBytes: 100 });
    expect(s.push(Buffer.from('[{"Id":"a","a":"'))).toEqual([]);
    expect(s.push(Buffer.alloc(200, 0x61))).toEqual([]);
    expect(s.push(Buffer.from('"},{"Id":"b"}]'))).toEqual([{ raw: '{"Id":"b"}', id: 'b', bytes: 10 }]);
    s.end();
    const [r] = s.takeRejected();
    expect(r).toMatchObject({ reason: 'oversize', offset: 1, size: 217 });
    expect(r!.bytes).toBeUndefined();
    expect(r!.message).toMatch(/larger than the limit of 100 bytes/);
  });

  it.each([
    ['raw newline in a string', '{"Id":"x","v":"two\nlines"}', 'invalid_json', /control character/],
    ['raw tab in a string', '{"Id":"x","v":"a\tb"}', 'invalid_json', /control character/],
    ['bare word', '{"Id":"x","v":undefined}', 'invalid_json', /unexpected "u"/],
    ['missing comma', '{"Id":"x" "v":1}', 'invalid_json', /unexpected string/],
    ['missing colon', '{"Id" "x"}', 'invalid_json', /unexpected string/],
    ['trailing comma', '{"Id":"x",}', 'invalid_json', /unexpected "}"/],
    ['leading zero', '{"Id":"x","n":01}', 'invalid_json', /invalid number/],
    ['bad literal', '{"Id":"x","b":tru}', 'invalid_json', /invalid literal/],
    ['bad exponent', '{"Id":"x","n":1e}', 'invalid_json', /invalid number/],
    ['bad escape', '{"Id":"x","s":"\\x"}', 'invalid_json', /bad escape/],
    ['bad unicode escape', '{"Id":"x","s":"\\u12g4"}', 'invalid_json', /bad \\u escape/],
    ['mismatched brackets', '{"Id":"x","a":{"b":1]}', 'invalid_json', /unexpected "]"/],
    ['single quotes', "{'Id':'x'}", 'invalid_json', /unexpected/],
    ['no Id', '{"id":"x"}', 'no_id', /no "Id"/],
    ['numeric Id', '{"Id":5}', 'no_id', /no "Id"/],
    ['empty Id', '{"Id":""}', 'no_id', /no "Id"/],
  ])('rejects a record with %s, keeps its bytes and offset, and delivers the rest', (_what, bad, reason, message) => {
    const text = `[{"Id":"a"}, ${bad} ,{"Id":"b","n":-1.5e+3,"t":[true,false,null,{}],"u":"\\u00e9\\n"}]`;
    const { recs, rejected } = both(text);
    expect(recs.map((r) => r.id)).toEqual(['a', 'b']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBe(reason);
    expect(rejected[0]!.message).toMatch(message);
    expect(rejected[0]!.offset).toBe(13);
    expect(rejected[0]!.bytes!.toString()).toBe(bad.replace(/ (?=")|(?<=") /g, ''));
  });

  it('finds a raw control character of any value at any alignment, and none in valid multi-byte text', () => {
    for (let c = 0; c < 0x20; c++) {
      for (let pad = 0; pad < 8; pad++) {
        const bad = Buffer.concat([Buffer.from(`{"Id":"x","v":"${'é'.repeat(pad)}`), Buffer.from([c]), Buffer.from('ü😀"}')]);
        const rejected: RejectedRecord[] = [];
        const recs = runSplitter([Buffer.concat([Buffer.from('['), bad, Buffer.from(',{"Id":"ok","v":"日本語 é ü ß 😀 \\u0001"}]')])], rejected);
        expect(recs.map((r) => r.id), `byte ${c} after ${pad}`).toEqual(['ok']);
        expect(rejected.map((r) => r.reason), `byte ${c} after ${pad}`).toEqual(['invalid_json']);
      }
    }
  });

  it('rejects invalid UTF-8 byte-exact (not repaired) and delivers the rest', () => {
    const bad = Buffer.concat([Buffer.from('{"Id":"x","v":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')]);
    const text = Buffer.concat([Buffer.from('[{"Id":"a"},'), bad, Buffer.from(',{"Id":"b"}]')]);
    const { recs, rejected } = both(text);
    expect(recs.map((r) => r.id)).toEqual(['a', 'b']);
    expect(rejected).toEqual([{ offset: 12, reason: 'invalid_utf8', message: 'record is not valid UTF-8', size: bad.length, bytes: bad }]);
  });

  it('accepts what JSON accepts: numbers, literals, nesting, escapes, empty containers', () => {
    const rec = '{"Id":"x","n":[0,-0,1.25,-3e-7,2E+10,10],"l":[true,false,null],"o":{"a":{"b":[]},"c":{}},"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\uD83D\\ude00"}';
    JSON.parse(rec);
    const { recs, rejected } = both(`[${rec}]`);
    expect(rejected).toEqual([]);
    expect(recs[0]!.raw).toBe(rec);
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
