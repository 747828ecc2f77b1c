import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContentDescriptor } from '../api/types.js';
import { StateError } from '../errors.js';
import { FileQuarantine } from './quarantine.js';

const T = '11111111-2222-3333-4444-555555555555';
const D: ContentDescriptor = {
  contentType: 'Audit.General',
  contentId: '20240301$20240301$audit_general$Audit_General$emea0012',
  contentUri: 'https://manage.office.com/api/v1.0/t/activity/feed/audit/20240301$20240301$audit_general$Audit_General$emea0012',
  contentCreated: Date.parse('2024-03-01T10:00:00Z'),
  contentExpiration: Date.parse('2024-03-08T10:00:00Z'),
};

describe('FileQuarantine', () => {
  it('keeps a blob byte for byte with its error, 0600 files in 0700 folders, and lists it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'q-')), 'quarantine');
    const q = new FileQuarantine(dir);
    const body = Buffer.from([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0xff, 0x00]);
    const e = await q.putBlob(T, D, { code: 'O365_ERR_API', reason: 'invalid_json', message: 'body is not a JSON array at byte 0', offset: 0, attempts: 6, body }, ['a']);
    const folder = q.where(e);
    expect(readdirSync(folder).sort()).toEqual(['body', 'entry.json']);
    expect(readFileSync(join(folder, 'body'))).toEqual(body);
    for (const f of ['body', 'entry.json']) expect(statSync(join(folder, f)).mode & 0o777).toBe(0o600);
    for (let d = folder; d.length >= dir.length; d = join(d, '..')) expect(statSync(d).mode & 0o777).toBe(0o700);
    const [listed] = await q.list();
    expect(listed).toMatchObject({
      kind: 'blob',
      status: 'quarantined',
      tenantId: T,
      contentType: 'Audit.General',
      contentId: D.contentId,
      url: D.contentUri,
      contentCreated: '2024-03-01T10:00:00.000Z',
      error: { reason: 'invalid_json', offset: 0, attempts: 6 },
      body: { file: 'body', bytes: 7, cut: false },
      deliveredIds: ['a'],
    });
    listed!.status = 'replayed';
    await q.update(listed!);
    expect((await q.list())[0]!.status).toBe('replayed');
    expect(readFileSync(join(folder, 'body'))).toEqual(body); // update keeps the bytes
  });

  it('keeps rejected records under their offsets; an oversize record has no bytes file', async () => {
    const q = new FileQuarantine(join(mkdtempSync(join(tmpdir(), 'q-')), 'quarantine'));
    const e = await q.putRecords(
      T,
      D,
      [
        { offset: 12, reason: 'invalid_json', message: 'raw newline', size: 5, bytes: Buffer.from('{"a\n') },
        { offset: 40, reason: 'oversize', message: 'too big', size: 99_999 },
      ],
      [],
    );
    expect(readdirSync(q.where(e)).sort()).toEqual(['entry.json', 'record-12']);
    expect(readFileSync(join(q.where(e), 'record-12'), 'utf8')).toBe('{"a\n');
    expect((await q.list())[0]!.records).toEqual([
      { offset: 12, reason: 'invalid_json', message: 'raw newline', size: 5, file: 'record-12' },
      { offset: 40, reason: 'oversize', message: 'too big', size: 99_999 },
    ]);
  });

  it('ignores a folder without entry.json (an interrupted write) and names a corrupt entry', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'q-')), 'quarantine');
    const q = new FileQuarantine(dir);
    mkdirSync(join(dir, 't', 'ct', 'half'), { recursive: true });
    writeFileSync(join(dir, 't', 'ct', 'half', 'body'), 'x');
    expect(await q.list()).toEqual([]);
    mkdirSync(join(dir, 't', 'ct', 'bad'), { recursive: true });
    writeFileSync(join(dir, 't', 'ct', 'bad', 'entry.json'), '{');
    await expect(q.list()).rejects.toThrow(StateError);
    await expect(q.list()).rejects.toThrow(/bad.entry\.json is not valid JSON/);
  });
});
