// Record and document validation against real corpus data and hand-made hostile cases.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EcsFlat } from '@elastic/ecs';
import { buildDocumentSchema, readFieldsFiles, type EcsFieldDef } from '../schema/document-schema.js';
import { createValidator, pointerToField } from './validator.js';

// The corpora copied into the repository (test/corpus/README.md says where they come from).
const CORPUS = fileURLToPath(new URL('../../../test/corpus/', import.meta.url));
const ELASTIC = path.join(CORPUS, 'elastic');

/**
 * Corpus events that are not complete records on purpose: Elastic's pipeline tests feed fragments
 * that exercise one parser path. Each entry says why, and the test asserts the reported fields.
 */
const FRAGMENTS: Record<string, { why: string; missing: string[] }> = {
  'test-bad-ips.json#3': { why: 'OriginatingServer parsing only', missing: ['Id', 'Operation', 'OrganizationId', 'UserType', 'UserKey', 'UserId', 'Workload'] },
  'test-numbery-json-events.json#5': { why: 'numeric-string coercion of PowerBI fields only', missing: ['OrganizationId', 'UserType', 'UserKey'] },
  'test-numbery-json-events.json#6': { why: 'numeric coercion of PowerBI fields only', missing: ['OrganizationId', 'UserKey'] },
  'test-platform-attribute-events.json#0': { why: 'Platform mapping only', missing: ['Id', 'RecordType', 'CreationTime', 'Operation', 'OrganizationId', 'UserType', 'UserKey', 'UserId', 'Workload'] },
  'test-platform-attribute-events.json#1': { why: 'Platform mapping only', missing: ['Id', 'RecordType', 'CreationTime', 'Operation', 'OrganizationId', 'UserType', 'UserKey', 'UserId', 'Workload'] },
};
for (let i = 0; i < 15; i++) {
  FRAGMENTS[`test-ip-formats-events.json#${i}`] = { why: 'ClientIP parsing only', missing: ['Operation', 'OrganizationId', 'UserType', 'UserKey', 'UserId', 'Workload'] };
}

function corpusRecords(): { key: string; record: unknown }[] {
  const out: { key: string; record: unknown }[] = [];
  for (const file of readdirSync(ELASTIC).filter((f) => /^test-.*\.json$/.test(f) && !f.includes('expected')).sort()) {
    const { events } = JSON.parse(readFileSync(path.join(ELASTIC, file), 'utf8')) as { events: { o365audit: unknown }[] };
    events.forEach((event, i) => out.push({ key: `${file}#${i}`, record: event.o365audit }));
  }
  return out;
}

const validRecord = {
  CreationTime: '2024-03-01T09:58:41',
  Id: '9e4c5e3c-2f1e-4c3a-8a7d-08dc3a1b2c3d',
  Operation: 'FileAccessed',
  OrganizationId: 'b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd',
  RecordType: 6,
  UserKey: 'i:0h.f|membership|1003200096971f55@live.com',
  UserType: 0,
  Version: 1,
  Workload: 'SharePoint',
  ClientIP: '203.0.113.5',
  UserId: 'alice@contoso.com',
};

describe('record schema', () => {
  const records = createValidator('record');

  it('accepts every complete record of the Elastic corpus, and reports exactly the missing fields of the known fragments', () => {
    const all = corpusRecords();
    expect(all.length).toBeGreaterThan(100);
    for (const { key, record } of all) {
      const issues = records.validate(record);
      const fragment = FRAGMENTS[key];
      if (!fragment) {
        expect(issues, key).toEqual([]);
      } else {
        expect(issues.map((i) => i.reason).every((r) => r.startsWith('required field')), `${key}: ${fragment.why}`).toBe(true);
        expect(issues.map((i) => i.path).sort(), key).toEqual(fragment.missing.map((m) => `/${m}`).sort());
      }
    }
  });

  it('rejects every Wazuh corpus record as a raw record: they lost UserType on the way through Wazuh', () => {
    const lines = readFileSync(path.join(CORPUS, 'wazuh/events.ndjson'), 'utf8').trim().split('\n');
    for (const line of lines) {
      const { office365 } = JSON.parse(line) as { office365: unknown };
      const paths = records.validate(office365).map((i) => i.path);
      expect(paths).toContain('/UserType');
    }
  });

  it('accepts a complete record, unknown fields and a null ClientIP (Entra ID)', () => {
    expect(records.validate(validRecord)).toEqual([]);
    expect(records.validate({ ...validRecord, ClientIP: null, 'Delivery Action': 'Blocked', Nested: { a: [1] } })).toEqual([]);
  });

  it('accepts unknown enum values: RecordType 9999, UserType 11, any ResultStatus', () => {
    expect(records.validate({ ...validRecord, RecordType: 9999, UserType: 11, ResultStatus: 'Whatever' })).toEqual([]);
  });

  it('accepts numbers sent as strings of digits, and rejects other strings', () => {
    expect(records.validate({ ...validRecord, RecordType: '1', UserType: '0', Version: '1' })).toEqual([]);
    const issues = records.validate({ ...validRecord, RecordType: 'ExchangeAdmin' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '/RecordType', field: 'RecordType' });
    expect(issues[0]!.reason).toContain('does not match');
  });

  it('reports a missing Id at /Id', () => {
    const { Id: _omitted, ...noId } = validRecord;
    expect(records.validate(noId)).toEqual([{ path: '/Id', field: 'Id', reason: 'required field "Id" is missing' }]);
  });

  it('reports RecordType given as an object at /RecordType with what was expected', () => {
    const issues = records.validate({ ...validRecord, RecordType: { value: 1 } });
    expect(issues).toEqual([{ path: '/RecordType', field: 'RecordType', reason: 'must be an integer or a string of digits, got object' }]);
  });

  it('reports CreationTime that is not a string, and one in the wrong format', () => {
    expect(records.validate({ ...validRecord, CreationTime: 1709287121 })).toEqual([
      { path: '/CreationTime', field: 'CreationTime', reason: 'must be a string, got integer' },
    ]);
    expect(records.validate({ ...validRecord, CreationTime: '01/03/2024 09:58' })[0]?.path).toBe('/CreationTime');
    expect(records.validate({ ...validRecord, CreationTime: '2024-03-01T09:58:41.123Z' })).toEqual([]);
  });

  it('reports a float RecordType and an empty Id', () => {
    const paths = records.validate({ ...validRecord, RecordType: 1.5, Id: '' }).map((i) => i.path);
    expect(paths.sort()).toEqual(['/Id', '/RecordType']);
  });

  it('rejects a value that is not an object', () => {
    expect(records.validate([validRecord])[0]).toMatchObject({ path: '', reason: expect.stringContaining('object') });
  });
});

describe('document schema (built from the fixture fields)', async () => {
  const fixtures = await readFieldsFiles(path.resolve('test/fixtures'), 'fields');
  const schema = buildDocumentSchema(fixtures, EcsFlat as unknown as Record<string, EcsFieldDef>);
  const documents = createValidator('document', { schema });
  const document = {
    '@timestamp': '2024-03-01T09:58:41.000Z',
    data_stream: { type: 'logs', dataset: 'o365.audit', namespace: 'default' },
    event: { action: 'FileAccessed', category: ['file'], dataset: 'o365.audit', module: 'o365', id: 'abc-1', kind: 'event', outcome: 'success' },
    source: { ip: '203.0.113.5', geo: { location: { lat: 48.8, lon: 2.3 } } },
    related: { ip: ['203.0.113.5', '2001:db8::1'] },
    user: { id: 'alice@contoso.com', name: 'alice' },
    tags: ['forwarded'],
    labels: { tenant: 'contoso' },
    o365: {
      audit: {
        Id: 'abc-1',
        RecordType: '6',
        OperationCount: 3,
        ExternalAccess: false,
        Parameters: { Identity: 'x', Force: 'True' },
        ExtendedProperties: { anything: { goes: [1, 2] } },
        Members: [{ UPN: 'bob@contoso.com', Role: 1 }],
        ActorIpAddress: '10.0.0.1',
      },
    },
  };

  it('accepts a hand-made ECS document', () => {
    expect(documents.validate(document)).toEqual([]);
  });

  it('accepts a single value or an array for ordinary fields', () => {
    expect(documents.validate({ ...document, user: { id: ['a', 'b'], name: 'x' } })).toEqual([]);
  });

  it('accepts null for a field (Elasticsearch indexes it as missing), except @timestamp', () => {
    const doc = structuredClone(document) as Record<string, any>;
    Object.assign(doc.o365.audit, { Id: null, Members: null, ExtendedProperties: null, ActorIpAddress: null });
    doc.tags = null;
    expect(documents.validate(doc)).toEqual([]);
    expect(documents.validate({ ...document, '@timestamp': null }).map((i) => i.path)).toEqual(['/@timestamp']);
  });

  it('reports an undeclared field with its path, also deep inside a group and inside nested items', () => {
    const doc = structuredClone(document) as Record<string, any>;
    doc.o365.audit.NotDeclared = 'x';
    doc.o365.audit.Members[0].Extra = 1;
    doc.surprise = true;
    const issues = documents.validate(doc);
    expect(issues.map((i) => i.path).sort()).toEqual(['/o365/audit/Members/0/Extra', '/o365/audit/NotDeclared', '/surprise']);
    expect(issues.find((i) => i.path === '/o365/audit/Members/0/Extra')).toMatchObject({
      field: 'o365.audit.Members[0].Extra',
      reason: 'field "Extra" is not declared in fields/',
    });
  });

  it('reports wrong types: a number in a keyword, a string in a long, a bad IP, a wrong constant, an ECS value outside the allowed list', () => {
    const doc = structuredClone(document) as Record<string, any>;
    doc.o365.audit.Id = 42;
    doc.o365.audit.OperationCount = '3';
    doc.source.ip = 'not-an-ip';
    doc.event.dataset = 'other';
    doc.event.category = ['file', 'spaceship'];
    const byPath = Object.fromEntries(documents.validate(doc).map((i) => [i.path, i.reason]));
    expect(byPath['/o365/audit/Id']).toBe('must be a string or an array of them (keyword field), got integer');
    expect(byPath['/o365/audit/OperationCount']).toMatch(/^must be an integer/);
    expect(byPath['/source/ip']).toMatch(/ipv4 or ipv6/);
    expect(byPath['/event/dataset']).toBe('must be "o365.audit", got "other"');
    expect(byPath['/event/category/1']).toMatch(/^must be one of "api"/);
    expect(Object.keys(byPath)).toHaveLength(5);
  });

  it('requires @timestamp and an array for normalize: array fields', () => {
    const { '@timestamp': _t, ...noTimestamp } = document;
    expect(documents.validate(noTimestamp).map((i) => i.path)).toEqual(['/@timestamp']);
    expect(documents.validate({ ...document, tags: 'single' }).map((i) => i.path)).toEqual(['/tags']);
  });

  it('keeps wildcard objects open to any key but typed', () => {
    const doc = structuredClone(document) as Record<string, any>;
    doc.o365.audit.Parameters.Count = 5;
    expect(documents.validate(doc).map((i) => i.path)).toEqual(['/o365/audit/Parameters/Count']);
  });
});

describe('pointerToField', () => {
  it('writes array indexes in brackets and unescapes ~1 and ~0', () => {
    expect(pointerToField('/a/list/0/b~1c~0d', { a: { list: [{}] } })).toBe('a.list[0].b/c~d');
  });
});
