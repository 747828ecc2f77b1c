// Unit tests of the Vector parity machinery (no VRL binary needed): the documented exceptions are
// read from PARITY.md and explain only the differences their rule allows; ensure-vrl fails with a
// coded error, naming the build command, when the binary is missing and cargo is absent.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPidFile, ensureVrl, startVrlBuild, vrlBinary } from '../../scripts/vrl/ensure-vrl.js';
import { diffDocs, type Exception, flatten, loadExceptions } from './parity.js';

const exc: Exception[] = [
  { field: 'event.original', rule: 'json-text', reason: 'r' },
  { field: 'error.message', rule: 'error-text', reason: 'r' },
  { field: 'source.geo', rule: 'not-in-vector', reason: 'r' },
  { field: 'user_agent.version', rule: 'trailing-dot', reason: 'r' },
];

describe('diffDocs', () => {
  it('finds no difference in equal documents whatever the key order', () => {
    expect(diffDocs({ a: { b: 1, c: [1, 2] } }, { a: { c: [1, 2], b: 1 } }, exc)).toEqual([]);
  });

  it('reports changed, missing and extra fields as unexplained outside the exceptions', () => {
    const d = diffDocs({ a: 1, b: [1, 2], c: 'x' }, { a: 2, b: [2, 1], d: 'y' }, exc);
    expect(d.map((x) => [x.field, x.exception])).toEqual([
      ['a', undefined],
      ['b', undefined],
      ['c', undefined],
      ['d', undefined],
    ]);
  });

  it('json-text explains equal JSON written in another key order, not other JSON', () => {
    const ok = diffDocs({ event: { original: '{"a":1,"b":2}' } }, { event: { original: '{"b":2,"a":1}' } }, exc);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.exception?.rule).toBe('json-text');
    const bad = diffDocs({ event: { original: '{"a":1}' } }, { event: { original: '{"a":2}' } }, exc);
    expect(bad[0]!.exception).toBeUndefined();
  });

  it('error-text ignores only the JSON parser words', () => {
    const es = { error: { message: ["Processor 'json' with tag 'json_parse_raw' failed: the record is not valid JSON: Unexpected character"] } };
    const same = { error: { message: ["Processor 'json' with tag 'json_parse_raw' failed: the record is not valid JSON: key must be a string"] } };
    const other = { error: { message: ["Processor 'date' with tag 'date_creation_time' failed: CreationTime is missing or not a date"] } };
    expect(diffDocs(es, same, exc)[0]!.exception?.rule).toBe('error-text');
    expect(diffDocs(es, other, exc)[0]!.exception).toBeUndefined();
  });

  it('not-in-vector explains a field Vector lacks, not a different value', () => {
    expect(diffDocs({ source: { geo: { city_name: 'X' } } }, {}, exc)[0]!.exception?.rule).toBe('not-in-vector');
    expect(diffDocs({ source: { geo: { city_name: 'X' } } }, { source: { geo: { city_name: 'Y' } } }, exc)[0]!.exception).toBeUndefined();
  });

  it('trailing-dot explains only the trailing dot', () => {
    expect(diffDocs({ user_agent: { version: '72.0.' } }, { user_agent: { version: '72.0' } }, exc)[0]!.exception?.rule).toBe('trailing-dot');
    expect(diffDocs({ user_agent: { version: '72.0.' } }, { user_agent: { version: '72.1' } }, exc)[0]!.exception).toBeUndefined();
  });

  it('flatten walks objects and keeps arrays whole', () => {
    expect([...flatten({ a: { b: [1, { c: 2 }] }, d: {} }).entries()]).toEqual([
      ['a.b', [1, { c: 2 }]],
      ['d', {}],
    ]);
  });
});

describe('PARITY.md', () => {
  it('lists each exception with a known rule and a reason', () => {
    const list = loadExceptions();
    expect(list.map((e) => e.field)).toEqual(expect.arrayContaining(['event.original', 'error.message', 'source.geo', 'source.as', 'user_agent.version']));
    for (const e of list) expect(e.reason.length).toBeGreaterThan(20);
  });

  it('rejects an unknown rule', () => {
    expect(() => loadExceptions('## Exceptions\n| `a` | anything-goes | because |\n')).toThrow(/unknown rule/);
  });
});

describe('ensureVrl', () => {
  const cache = mkdtempSync(join(tmpdir(), 'o365-vrl-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('places the binary under O365_AUDIT_CACHE', () => {
    expect(vrlBinary({ O365_AUDIT_CACHE: cache })).toBe(join(cache, 'vrl-0.38.0', 'bin', 'vrl'));
  });

  it('fails with O365_ERR_VRL_CLI when the binary is missing and cargo is absent', () => {
    const env = { O365_AUDIT_CACHE: cache, PATH: join(cache, 'no-bin'), HOME: cache };
    let err: unknown;
    try {
      ensureVrl({ env, log: () => undefined });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('O365_ERR_VRL_CLI');
    expect((err as Error).message).toContain('cargo install vrl --version 0.38.0 --features cli');
  });

  it('a background build (npm pretest) overlaps the tests: ensureVrl waits for it instead of building twice', () => {
    // A stand-in cargo that takes 2 s and counts its runs; the real build takes ~11 minutes.
    const bin = join(cache, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const runs = join(cache, 'cargo-runs');
    writeFileSync(join(bin, 'cargo'), `#!/bin/sh\necho run >> '${runs}'\nsleep 2\nroot=""\nwhile [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done\nmkdir -p "$root/bin" && printf '#!/bin/sh\\n' > "$root/bin/vrl" && chmod +x "$root/bin/vrl"\n`, { mode: 0o755 });
    const env = { O365_AUDIT_CACHE: join(cache, 'bg'), PATH: `${bin}:${process.env['PATH']}`, HOME: cache };
    expect(startVrlBuild({ env, log: () => undefined })).toBe('started');
    expect(existsSync(buildPidFile(env))).toBe(true);
    expect(startVrlBuild({ env, log: () => undefined })).toBe('running');
    const t0 = Date.now();
    expect(ensureVrl({ env, log: () => undefined })).toBe(vrlBinary(env));
    expect(Date.now() - t0).toBeGreaterThan(500);
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
    expect(startVrlBuild({ env, log: () => undefined })).toBe('present');
  });
});
