import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, O365AuditError } from '../../errors.js';
import { parseDuration } from '../../shared/duration.js';
import { HttpOutput, type HttpOutputConfig } from './http-output.js';
import { gate, isPending, startReceiver, type TestReceiver } from '../testing/receiver.js';
import schema from './schema.json' with { type: 'json' };

const meta = { tenantId: 't1', contentType: 'Audit.General', contentId: 'c1' };
const rec = (i: number): string => `{"Id":"id-${i}","CreationTime":"2024-01-01T00:00:00","Operation":"Op","RecordType":${i}}`;
const fast = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

let rx: TestReceiver;
let out: HttpOutput | undefined;

beforeEach(async () => {
  rx = await startReceiver('/ingest');
});
afterEach(async () => {
  rx.reply = () => ({ status: 200 });
  await out?.close().catch(() => {});
  out = undefined;
  await rx.close();
});

function make(extra: Partial<HttpOutputConfig> = {}): HttpOutput {
  out = new HttpOutput({ type: 'http', url: rx.url, flushIntervalMs: 0, retry: fast, ...extra });
  return out;
}

const lines = (): string[] => rx.requests.flatMap((r) => r.body.split('\n').filter((l) => l !== ''));

describe('http output', () => {
  it('POSTs NDJSON in order, batches bounded by count and bytes', async () => {
    const o = make({ batchMaxDocs: 3, headers: { 'X-Tenant': 'acme' }, auth: { kind: 'basic', username: 'u', password: 'p' } });
    await o.open(undefined);
    for (let i = 0; i < 7; i++) await o.write(rec(i), meta);
    await o.flushTo(o.mark());
    expect(rx.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([3, 3, 1]);
    expect(lines()).toEqual([0, 1, 2, 3, 4, 5, 6].map(rec));
    const h = rx.requests[0]!.headers;
    expect(rx.requests[0]!.method).toBe('POST');
    expect(rx.requests[0]!.url).toBe('/ingest');
    expect(h['content-type']).toBe('application/x-ndjson');
    expect(h['x-tenant']).toBe('acme');
    expect(h.authorization).toBe('Basic ' + Buffer.from('u:p').toString('base64'));

    await o.close();
    const bytesBound = make({ batchMaxDocs: 100, batchMaxBytes: rec(0).length * 2 + 2 });
    rx.requests = [];
    for (let i = 0; i < 5; i++) await bytesBound.write(rec(i), meta);
    await bytesBound.flushTo(bytesBound.mark());
    expect(rx.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([2, 2, 1]);
  });

  it('flushTo resolves only after the 2xx of every batch up to the mark', async () => {
    const o = make({ batchMaxDocs: 2 });
    const hold = gate();
    rx.reply = (_r, i) => (i === 1 ? { status: 200, waitFor: hold.promise } : { status: 200 });
    for (let i = 0; i < 4; i++) await o.write(rec(i), meta);
    const m = o.mark();
    await o.write(rec(99), meta);
    const flushed = o.flushTo(m);
    expect(await isPending(flushed, 150)).toBe(true);
    expect(rx.requests.length).toBe(2);
    hold.open();
    await flushed;
    // The record written after the mark was not needed for this flush.
    expect(lines()).toEqual([0, 1, 2, 3].map(rec));
    expect(o.stats().confirmed).toBe(4);
  });

  it('retries 5xx, 429 and cut connections, and waits as long as Retry-After asks', async () => {
    const o = make({ retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 10 } });
    rx.reply = (_r, i) => (i === 0 ? { status: 503 } : i === 1 ? 'cut' : i === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 });
    await o.write(rec(1), meta);
    await o.flushTo(o.mark());
    expect(rx.requests.length).toBe(4);
    expect(rx.requests[3]!.at - rx.requests[2]!.at).toBeGreaterThanOrEqual(950);
    expect(new Set(rx.requests.map((r) => r.body)).size).toBe(1);
    expect(o.stats().retries).toBe(3);
  });

  it('without retry settings, waits the retry.base_delay its schema documents before the first retry', async () => {
    const documented = parseDuration(schema.properties.retry.properties.base_delay.default);
    const delays: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object) => void delays.push((o as { delayMs?: unknown }).delayMs) };
    // The first back-off is drawn from [base/2, base]: the top of the draw is the base itself.
    const random = vi.spyOn(Math, 'random').mockReturnValue(1);
    try {
      out = new HttpOutput({ type: 'http', url: rx.url, flushIntervalMs: 0 }, { logger });
      rx.reply = (_r, i) => (i === 0 ? { status: 503 } : { status: 200 });
      await out.write(rec(1), meta);
      await out.flushTo(out.mark());
    } finally {
      random.mockRestore();
    }
    expect(documented).toBeGreaterThan(0);
    expect(delays).toEqual([documented]);
  });

  it('gives up after max attempts (retryable error) and delivers the same batch on the next flush', async () => {
    const o = make({ retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 } });
    rx.reply = () => ({ status: 502 });
    await o.write(rec(1), meta);
    const err = await o.flushTo(o.mark()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(O365AuditError);
    expect((err as O365AuditError).code).toBe('O365_ERR_OUTPUT');
    expect((err as O365AuditError).retryable).toBe(true);
    expect(rx.requests.length).toBe(2);
    rx.reply = () => ({ status: 200 });
    await o.write(rec(2), meta);
    await o.flushTo(o.mark());
    expect(rx.requests.at(-1)!.body).toBe(rec(1) + '\n' + rec(2) + '\n');
  });

  it('does not retry a 4xx other than 408/413/429, and says so', async () => {
    const o = make();
    rx.reply = () => ({ status: 401 });
    await o.write(rec(1), meta);
    const err = (await o.flushTo(o.mark()).catch((e: unknown) => e)) as O365AuditError;
    expect(err.code).toBe('O365_ERR_OUTPUT');
    expect(err.retryable).toBe(false);
    expect(err.context.status).toBe(401);
    expect(rx.requests.length).toBe(1);
  });

  it('splits a batch the receiver refuses as too large (413)', async () => {
    const o = make({ batchMaxDocs: 4 });
    rx.reply = (r) => (r.body.split('\n').filter(Boolean).length > 1 ? { status: 413 } : { status: 201 });
    for (let i = 0; i < 4; i++) await o.write(rec(i), meta);
    await o.flushTo(o.mark());
    const accepted = rx.requests.filter((r) => r.body.split('\n').filter(Boolean).length === 1).map((r) => r.body.trim());
    expect(accepted).toEqual([0, 1, 2, 3].map(rec));
  });

  it('makes the writer wait when its buffer is full, until a batch is confirmed', async () => {
    const one = Buffer.byteLength(rec(0)) + 1;
    const o = make({ batchMaxDocs: 1, maxBufferBytes: one * 2 });
    const hold = gate();
    rx.reply = () => ({ status: 200, waitFor: hold.promise });
    expect(o.write(rec(0), meta)).toBeUndefined();
    expect(o.write(rec(1), meta)).toBeUndefined();
    const waiting = o.write(rec(2), meta);
    expect(waiting).toBeInstanceOf(Promise);
    expect(await isPending(waiting as Promise<void>, 100)).toBe(true);
    hold.open();
    await waiting;
    await o.flushTo(o.mark());
    expect(lines()).toEqual([0, 1, 2].map(rec));
  });

  it('sends a partial batch after flush_interval without a flush', async () => {
    const o = make({ flushIntervalMs: 50 });
    await o.write(rec(7), meta);
    expect(rx.requests.length).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(lines()).toEqual([rec(7)]);
  });

  it('turns credentials in the URL into basic auth, and refuses bad URLs', async () => {
    const u = new URL(rx.url);
    u.username = 'us%40er';
    u.password = 'p:w';
    const o = make({ url: u.href });
    await o.write(rec(1), meta);
    await o.flushTo(o.mark());
    expect(rx.requests[0]!.headers.authorization).toBe('Basic ' + Buffer.from('us@er:p:w').toString('base64'));
    expect(() => new HttpOutput({ type: 'http', url: 'nope' })).toThrow(ConfigError);
    expect(() => new HttpOutput({ type: 'http', url: 'ftp://x/' })).toThrow(ConfigError);
  });

  it('wraps records for Wazuh and frames a JSON array, with a bearer token', async () => {
    const o = make({ format: 'wazuh', encoding: 'json_array', auth: { kind: 'bearer', token: 'tok' } });
    await o.write(rec(1), meta);
    await o.write(rec(2), { ...meta, contentType: 'Audit.Exchange' });
    await o.flushTo(o.mark());
    const req = rx.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer tok');
    const arr = JSON.parse(req.body) as Array<{ integration: string; office365: { Id: string; Subscription: string } }>;
    expect(arr.map((e) => [e.integration, e.office365.Id, e.office365.Subscription])).toEqual([
      ['office365', 'id-1', 'Audit.General'],
      ['office365', 'id-2', 'Audit.Exchange'],
    ]);
  });
});
