// The bulk decisions of the elasticsearch output against a loopback fake of the _bulk endpoint
// (the real-engine tests are in test/es/outputs-elasticsearch.test.ts).

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, O365AuditError } from '../../errors.js';
import { startReceiver, type Received, type TestReceiver } from '../testing/receiver.js';
import { ElasticsearchOutput, type ElasticsearchOutputConfig } from './es-output.js';

const meta = { tenantId: 't1', contentType: 'Audit.General', contentId: 'c' };
const rec = (id: string): string => `{"Id":"${id}","RecordType":1}`;

/** The docs of a bulk body: [_id, raw record]. */
function docs(r: Received): Array<[string | undefined, string]> {
  const lines = r.body.split('\n').filter(Boolean);
  const out: Array<[string | undefined, string]> = [];
  for (let i = 0; i < lines.length; i += 2) {
    const action = JSON.parse(lines[i]!) as { create: { _id?: string } };
    out.push([action.create._id, (JSON.parse(lines[i + 1]!) as { message: string }).message]);
  }
  return out;
}

const ok = (r: Received): { status: number; body: string } => ({
  status: 200,
  body: JSON.stringify({ errors: false, items: docs(r).map(() => ({ create: { status: 201 } })) }),
});

let rx: TestReceiver;
let dir: string;
let out: ElasticsearchOutput | undefined;

beforeEach(async () => {
  rx = await startReceiver();
  dir = await mkdtemp(join(tmpdir(), 'o365-es-unit-'));
});
afterEach(async () => {
  rx.reply = ok;
  await out?.close().catch(() => {});
  out = undefined;
  await rx.close();
  await rm(dir, { recursive: true, force: true });
});

function make(extra: Partial<ElasticsearchOutputConfig> = {}): ElasticsearchOutput {
  out = new ElasticsearchOutput(
    { type: 'elasticsearch', hosts: [rx.url], flushIntervalMs: 0, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 }, ...extra },
    { stateDir: dir },
  );
  return out;
}

describe('elasticsearch output (fake cluster)', () => {
  it('posts create actions with _id = Id to <index>/_bulk with the pipeline and auth', async () => {
    rx.reply = ok;
    const o = make({ namespace: 'prod', pipeline: 'p1', apiKey: 'a2V5' });
    await o.write(rec('A'), meta, 'A');
    await o.write('{"NoId":true}', meta, undefined);
    await o.flushTo(o.mark());
    const r = rx.requests[0]!;
    const url = new URL(r.url, 'http://x');
    expect(url.pathname).toBe('/logs-o365.audit-prod/_bulk');
    expect(url.searchParams.get('pipeline')).toBe('p1');
    expect(r.headers.authorization).toBe('ApiKey a2V5');
    expect(r.headers['content-type']).toBe('application/x-ndjson');
    expect(docs(r)).toEqual([
      ['A', rec('A')],
      [undefined, '{"NoId":true}'],
    ]);
  });

  it('takes _id from the Id the collector hands over, never from scanning the text again', async () => {
    rx.reply = ok;
    const o = make();
    // The splitter's Id is the truth: a record whose text would scan to another Id, and one whose
    // Id the splitter did not find, are indexed with what write() was given.
    await o.write('{"Id":"in-text"}', meta, 'from-splitter');
    await o.write('{"Id":"also-in-text"}', meta, undefined);
    await o.write('{"Id":"empty"}', meta, '');
    await o.flushTo(o.mark());
    expect(docs(rx.requests[0]!).map(([id]) => id)).toEqual(['from-splitter', undefined, undefined]);
  });

  it('isolates a document that makes the whole request fail (400) and dead-letters only it', async () => {
    rx.reply = (r) =>
      docs(r).some(([id]) => id === 'BAD')
        ? { status: 400, body: JSON.stringify({ error: { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: bad' }, status: 400 }) }
        : ok(r);
    const o = make();
    for (const id of ['A', 'B', 'BAD', 'C', 'D']) await o.write(rec(id), meta, id);
    await o.flushTo(o.mark());
    const indexed = rx.requests.filter((r) => !docs(r).some(([id]) => id === 'BAD')).flatMap((r) => docs(r).map(([id]) => id));
    expect(indexed.sort()).toEqual(['A', 'B', 'C', 'D']);
    const dl = (await readFile(o.deadLetterPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    expect(dl.map((d) => [d._id, d.status, d.error.type, d.message])).toEqual([['BAD', 400, 'action_request_validation_exception', rec('BAD')]]);
    expect(o.deadLetterPath).toBe(join(dir, 'dead-letter', 'elasticsearch.ndjson'));
    expect(o.stats()).toMatchObject({ confirmed: 5, created: 4, deadLettered: 1 });
  });

  it('never writes an Authorization value, API key or bearer token that the cluster echoes in a per-document error; file 0600, folder 0700', async () => {
    const apiKey = 'c2VjcmV0LWlkOnNlY3JldC1rZXktdmFsdWU=';
    rx.reply = (r) => ({
      status: 200,
      body: JSON.stringify({
        errors: true,
        items: docs(r).map(([id]) =>
          id === 'BAD'
            ? {
                create: {
                  status: 400,
                  error: {
                    type: 'mapper_parsing_exception',
                    reason: `failed to parse; request had Authorization: ApiKey ${apiKey} and Bearer opaque-tok-123456`,
                    caused_by: { type: 'x', headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' }, api_key: 'raw-key-7890' },
                  },
                },
              }
            : { create: { status: 201 } },
        ),
      }),
    });
    const old = process.umask(0o000); // the modes must not depend on the umask
    try {
      const o = make({ apiKey });
      for (const id of ['A', 'BAD']) await o.write(rec(id), meta, id);
      await o.flushTo(o.mark());
      const text = await readFile(o.deadLetterPath, 'utf8');
      expect(JSON.parse(text.trim())).toMatchObject({ _id: 'BAD', message: rec('BAD'), error: { type: 'mapper_parsing_exception' } });
      for (const leaked of [apiKey, 'opaque-tok-123456', 'dXNlcjpwYXNzd29yZA==', 'raw-key-7890']) expect(text).not.toContain(leaked);
      expect((await stat(o.deadLetterPath)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(o.deadLetterPath))).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });

  it('stops without dead-lettering on refusals every document would get (403, missing pipeline)', async () => {
    for (const item of [
      { status: 403, error: { type: 'security_exception', reason: 'action [indices:data/write/bulk[s]] is unauthorized' } },
      { status: 400, error: { type: 'illegal_argument_exception', reason: 'pipeline with id [x] does not exist' } },
    ]) {
      rx.requests = [];
      rx.reply = () => ({ status: 200, body: JSON.stringify({ errors: true, items: [{ create: item }] }) });
      const o = make();
      await o.write(rec('A'), meta, 'A');
      const err = (await o.flushTo(o.mark()).catch((e: unknown) => e)) as O365AuditError;
      expect(err).toBeInstanceOf(O365AuditError);
      expect(err.retryable).toBe(false);
      expect(err.context.status).toBe(item.status);
      expect(rx.requests.length).toBe(1);
      expect(o.stats().deadLettered).toBe(0);
      await o.close().catch(() => {});
    }
  });

  it('retries an unreadable response and a 502, then only the items that were not settled', async () => {
    rx.reply = (r, i) => {
      if (i === 0) return { status: 200, body: '<html>proxy</html>' };
      if (i === 1) return { status: 502, body: 'bad gateway' };
      if (i === 2) {
        return {
          status: 200,
          body: JSON.stringify({
            errors: true,
            items: [{ create: { status: 201 } }, { create: { status: 503, error: { type: 'unavailable_shards_exception' } } }, { create: { status: 409 } }],
          }),
        };
      }
      return ok(r);
    };
    const o = make({ retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 10 } });
    for (const id of ['A', 'B', 'C']) await o.write(rec(id), meta, id);
    await o.flushTo(o.mark());
    expect(rx.requests.map((r) => docs(r).map(([id]) => id).join(''))).toEqual(['ABC', 'ABC', 'ABC', 'B']);
    expect(o.stats()).toMatchObject({ confirmed: 3, created: 2, duplicates: 1, retries: 3 });
  });

  it('refuses bad settings with ConfigError', () => {
    expect(() => new ElasticsearchOutput({ type: 'elasticsearch', hosts: [] }, { stateDir: dir })).toThrow(ConfigError);
    expect(() => new ElasticsearchOutput({ type: 'elasticsearch', hosts: ['not a url'] }, { stateDir: dir })).toThrow(ConfigError);
    expect(() => new ElasticsearchOutput({ type: 'elasticsearch', hosts: [rx.url], namespace: 'Bad-NS' }, { stateDir: dir })).toThrow(ConfigError);
    expect(() => new ElasticsearchOutput({ type: 'elasticsearch', hosts: [rx.url] }, {})).toThrow(ConfigError);
  });

  it('runs setup on open when setup_on_start is set, with the credentials and namespace', async () => {
    const seen: unknown[] = [];
    const o = new ElasticsearchOutput(
      { type: 'opensearch', hosts: [rx.url], username: 'u', password: 'p', namespace: 'prod', setupOnStart: true },
      { stateDir: dir, setup: async (opts) => void seen.push({ ...opts, logger: undefined }) },
    );
    out = o;
    await o.open(undefined);
    expect(seen).toEqual([{ url: rx.url, auth: { username: 'u', password: 'p' }, caPem: undefined, namespace: 'prod', logger: undefined }]);
    const failing = new ElasticsearchOutput(
      { type: 'elasticsearch', hosts: [rx.url], setupOnStart: true },
      {
        stateDir: dir,
        setup: async () => {
          throw new Error('boom');
        },
      },
    );
    const err = (await failing.open(undefined).catch((e: unknown) => e)) as O365AuditError;
    expect(err.code).toBe('O365_ERR_OUTPUT');
    await failing.close();
  });

  it('sends through the OpenSearch client the same way', async () => {
    rx.reply = ok;
    const o = make({ type: 'opensearch', username: 'u', password: 'p' });
    await o.write(rec('A'), meta, 'A');
    await o.flushTo(o.mark());
    const r = rx.requests.find((q) => q.url.includes('_bulk'))!;
    expect(new URL(r.url, 'http://x').pathname).toBe('/logs-o365.audit-default/_bulk');
    expect(r.headers.authorization).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
    expect(docs(r)).toEqual([['A', rec('A')]]);
  });
});
