// Per-line classification and validation, and read errors in the middle of a stream.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectKind, validateLine, validateNdjson, type Issue } from './ndjson.js';

const record = {
  CreationTime: '2024-03-01T09:58:41',
  Id: 'r-1',
  Operation: 'FileAccessed',
  OrganizationId: 'org',
  RecordType: 6,
  UserKey: 'k',
  UserType: 0,
  UserId: 'u',
  Workload: 'SharePoint',
};

describe('detectKind', () => {
  it.each([
    [{ CreationTime: 'x', Operation: 'y' }, 'record'],
    [{ '@timestamp': 'x', CreationTime: 'x', Operation: 'y' }, 'document'],
    [{ event: { id: '1' } }, 'document'],
    [{ event: { id: '1' }, CreationTime: 'x' }, 'record'],
    [{ Platform: '1' }, 'record'],
  ] as const)('%j is a %s', (value, kind) => {
    expect(detectKind(value as Record<string, unknown>)).toBe(kind);
  });
});

describe('validateLine', () => {
  it('accepts a valid record, with a byte order mark on line 1, and blank lines', () => {
    expect(validateLine(JSON.stringify(record), 7)).toEqual([]);
    expect(validateLine(`\uFEFF${JSON.stringify(record)}`, 1)).toEqual([]);
    expect(validateLine('   ', 3)).toEqual([]);
  });

  it('reports the line number, the kind, the path and the record Id', () => {
    const issues = validateLine(JSON.stringify({ ...record, UserType: [0] }), 12);
    expect(issues).toEqual<Issue[]>([
      { line: 12, kind: 'record', path: '/UserType', field: 'UserType', reason: 'must be an integer or a string of digits, got array', recordId: 'r-1' },
    ]);
  });

  it('checks a record as a document when the kind is forced', () => {
    const issues = validateLine(JSON.stringify(record), 1, { kind: 'document', schemas: { document: { type: 'object', properties: { '@timestamp': { type: 'string' } }, required: ['@timestamp'] } } });
    expect(issues).toEqual([{ line: 1, kind: 'document', path: '/@timestamp', field: '@timestamp', reason: 'required field "@timestamp" is missing' }]);
  });

  it('reports JSON that is not an object', () => {
    expect(validateLine('"text"', 2)[0]).toMatchObject({ line: 2, kind: 'unknown', path: '', reason: 'must be a JSON object, got string' });
    expect(validateLine('null', 2)[0]?.reason).toBe('must be a JSON object, got null');
  });
});

describe('validateNdjson', () => {
  it('yields the issues before a read error, then throws it', async () => {
    const input = new Readable({ read() {} });
    input.push(`${JSON.stringify(record)}\n{"bad":\n`);
    setTimeout(() => input.destroy(Object.assign(new Error('disk gone'), { code: 'EIO' })), 20);
    const seen: Issue[] = [];
    const run = validateNdjson(input);
    await expect(
      (async () => {
        for await (const issue of run) seen.push(issue);
      })(),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(seen.map((i) => i.line)).toEqual([2]);
    expect(run.counts).toMatchObject({ lines: 2, valid: 1, invalid: 1 });
  });
});
