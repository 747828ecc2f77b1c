// The validate command: output, summary and exit codes, through runValidate() with captured
// streams and through a real child process (cli-entry.ts).

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { EcsFlat } from '@elastic/ecs';
import { buildDocumentSchema, readFieldsFiles, type EcsFieldDef } from '../schema/document-schema.js';
import { runValidate, type RunValidateOptions } from './command.js';
import { validateNdjson } from './ndjson.js';

const dir = mkdtempSync(path.join(tmpdir(), 'o365-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    CreationTime: '2024-03-01T09:58:41',
    Id: 'rec-1',
    Operation: 'UserLoggedIn',
    OrganizationId: 'org',
    RecordType: 15,
    UserKey: 'key',
    UserType: 0,
    UserId: 'alice@contoso.com',
    Workload: 'AzureActiveDirectory',
    ClientIP: null,
    ...over,
  });

function file(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

async function run(target: string, options: RunValidateOptions = {}, stdinText = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runValidate(target, options, { stdin: Readable.from([stdinText]), stdout, stderr });
  return { code, out, err };
}

const schemas = {
  document: buildDocumentSchema(await readFieldsFiles(path.resolve('test/fixtures'), 'fields'), EcsFlat as unknown as Record<string, EcsFieldDef>),
};

describe('runValidate', () => {
  it('exits 0 and prints the summary when every line is valid (blank lines and CRLF tolerated)', async () => {
    const p = path.join(dir, 'ok.ndjson');
    writeFileSync(p, `\uFEFF${record()}\r\n\r\n${record({ Id: 'rec-2', RecordType: 9999, UserType: 11 })}\r\n`);
    const { code, out, err } = await run(p);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`${p}: 3 line(s), 2 valid, 0 invalid, 1 blank\n`);
  });

  it('prints every invalid line with its number, path, reason and record Id, then exits 1', async () => {
    const { Id: _omit, ...noId } = JSON.parse(record()) as Record<string, unknown>;
    const p = file('bad.ndjson', [record(), JSON.stringify(noId), record({ Id: 'rec-3', RecordType: { x: 1 } }), '{not json', '[1,2]']);
    const { code, out } = await run(p);
    expect(code).toBe(1);
    expect(out.split('\n')).toEqual([
      'line 2 (record): /Id: required field "Id" is missing',
      'line 3 (record): /RecordType: must be an integer or a string of digits, got object [Id rec-3]',
      expect.stringMatching(/^line 4 \(unknown\): \(line\): not valid JSON: /),
      'line 5 (unknown): (line): must be a JSON object, got an array',
      `${p}: 5 line(s), 1 valid, 4 invalid`,
      '',
    ]);
  });

  it('writes issues and the summary as JSON lines with --json', async () => {
    const p = file('json.ndjson', [record({ CreationTime: 5 })]);
    const { code, out } = await run(p, { json: true });
    expect(code).toBe(1);
    const [issue, summary] = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(issue).toEqual({ line: 1, kind: 'record', path: '/CreationTime', field: 'CreationTime', reason: 'must be a string, got integer', recordId: 'rec-1' });
    expect(summary).toEqual({ summary: { file: p, lines: 1, blank: 0, valid: 0, invalid: 1 } });
  });

  it('detects documents per line, and --kind forces one schema for every line', async () => {
    const doc = JSON.stringify({ '@timestamp': '2024-03-01T09:58:41Z', event: { id: 'e-1', dataset: 'o365.audit' }, extra: 1 });
    const p = file('mixed.ndjson', [record(), doc]);
    const auto = await run(p, { schemas });
    expect(auto.code).toBe(1);
    expect(auto.out).toContain('line 2 (document): /extra: field "extra" is not declared in fields/ [Id e-1]');
    const forced = await run(p, { kind: 'document', schemas });
    expect(forced.out).toContain('line 1 (document): /CreationTime: field "CreationTime" is not declared in fields/');
    expect(forced.out).toContain('line 1 (document): /@timestamp: required field "@timestamp" is missing');
  });

  it('reads standard input for -', async () => {
    const { code, out } = await run('-', {}, `${record()}\n${record({ UserType: 'admin' })}\n`);
    expect(code).toBe(1);
    expect(out).toContain('line 2 (record): /UserType: "admin" does not match');
    expect(out).toContain('stdin: 2 line(s), 1 valid, 1 invalid');
  });

  it('exits 2 without output for a missing file or a folder', async () => {
    const missing = await run(path.join(dir, 'nope.ndjson'));
    expect(missing).toEqual({ code: 2, out: '', err: expect.stringContaining('cannot read') });
    expect(missing.err).toContain('ENOENT');
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    expect((await run(folder)).code).toBe(2);
  });

  it('caps the issues reported for one line', async () => {
    const doc: Record<string, unknown> = { '@timestamp': '2024-03-01T09:58:41Z' };
    for (let i = 0; i < 50; i++) doc[`f${i}`] = i;
    const { out } = await run(file('many.ndjson', [JSON.stringify(doc)]), { schemas });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[20]).toBe('line 1 (document): (line): 30 more issue(s) on this line not shown');
  });
});

describe('validateNdjson', () => {
  it('counts every line of a large input', async () => {
    const total = 50_000;
    const line = `${record()}\n`;
    async function* lines() {
      for (let i = 0; i < total; i++) yield line;
    }
    const run = validateNdjson(Readable.from(lines()));
    let issues = 0;
    for await (const _ of run) issues++;
    expect(issues).toBe(0);
    expect(run.counts).toEqual({ lines: total, blank: 0, valid: total, invalid: 0 });
  });

  it('reads ahead only a bounded amount while the consumer is busy (back-pressure, bounded memory)', async () => {
    let pulled = 0;
    const bad = `${record({ Id: 7 })}\n`;
    async function* lines() {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield bad;
      }
    }
    const iterator = validateNdjson(Readable.from(lines()))[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ line: 1, path: '/Id' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A million lines are on offer; only a few buffers' worth may have been read.
    expect(pulled).toBeLessThan(5_000);
    await iterator.return?.();
  });
});

describe('cli-entry (child process)', () => {
  const entry = path.resolve(import.meta.dirname, 'cli-entry.ts');
  function cli(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
      child.stdin.end(stdin);
    });
  }

  it('exits 0, 1 and 2 as documented', async () => {
    const good = file('cli-good.ndjson', [record()]);
    const bad = file('cli-bad.ndjson', [record({ Workload: 7 })]);
    const [ok, invalid, missing, stdin, badKind] = await Promise.all([
      cli([good]),
      cli([bad, '--json']),
      cli([path.join(dir, 'missing.ndjson')]),
      cli(['-', '--kind', 'record'], `${record()}\n`),
      cli([good, '--kind', 'other']),
    ]);
    expect(ok).toMatchObject({ code: 0, out: `${good}: 1 line(s), 1 valid, 0 invalid\n` });
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.out.split('\n')[0]!)).toMatchObject({ line: 1, path: '/Workload' });
    expect(missing.code).toBe(2);
    expect(stdin).toMatchObject({ code: 0, out: 'stdin: 1 line(s), 1 valid, 0 invalid\n' });
    expect(badKind.code).not.toBe(0);
    expect(badKind.err).toContain('--kind');
  });
});
