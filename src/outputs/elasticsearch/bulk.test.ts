import { describe, expect, it } from 'vitest';
import { bulkBody, bulkItem, classifyItem, documentId, itemRaw, readBulkResponse } from './bulk.js';

describe('bulk lines', () => {
  it('builds create actions with the Id, the raw record as message, exact byte counts', () => {
    const raw = '{"Id":"a\\"b","V":"é"}';
    const item = bulkItem(raw, { contentType: 'Audit.General', tenantId: 't' }, 'a"b');
    const [action, doc] = bulkBody([item]).split('\n');
    expect(JSON.parse(action!)).toEqual({ create: { _id: 'a"b' } });
    expect(JSON.parse(doc!)).toEqual({ message: raw });
    expect(item.bytes).toBe(Buffer.byteLength(bulkBody([item])));
    expect(itemRaw(item)).toBe(raw);
    expect(bulkBody([bulkItem('{"X":1}', { contentType: 'c', tenantId: 't' }, undefined)]).split('\n')[0]).toBe('{"create":{}}');
  });

  it('keeps ids within the engines\' 512-byte limit, stably', () => {
    expect(documentId('short')).toBe('short');
    const long = 'x'.repeat(513);
    expect(documentId(long)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(documentId(long)).toBe(documentId(long));
  });
});

describe('bulk response', () => {
  it('classifies items', () => {
    expect(classifyItem({ create: { status: 201 } })).toEqual({ kind: 'created' });
    expect(classifyItem({ create: { status: 409, error: { type: 'version_conflict_engine_exception' } } })).toEqual({ kind: 'duplicate' });
    expect(classifyItem({ create: { status: 429 } })?.kind).toBe('retry');
    expect(classifyItem({ create: { status: 503 } })?.kind).toBe('retry');
    expect(classifyItem({ create: { status: 400, error: { type: 'es_rejected_execution_exception' } } })?.kind).toBe('retry');
    expect(classifyItem({ create: { status: 400, error: { type: 'mapper_parsing_exception' } } })?.kind).toBe('dead');
    expect(classifyItem({ create: { status: 404, error: { type: 'index_not_found_exception' } } })?.kind).toBe('fatal');
    expect(classifyItem({ create: { status: 400, error: { type: 'illegal_argument_exception', reason: 'pipeline with id [p] does not exist' } } })?.kind).toBe('fatal');
    expect(classifyItem({ create: {} })).toBeUndefined();
  });

  it('refuses a response that does not match the request', () => {
    expect(readBulkResponse({ errors: false, items: [{ create: { status: 201 } }] }, 2)).toBeUndefined();
    expect(readBulkResponse('<html>', 1)).toBeUndefined();
    expect(readBulkResponse({ errors: false, items: [{ create: { status: 201 } }] }, 1)).toEqual([{ kind: 'created' }]);
  });
});
