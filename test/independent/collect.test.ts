// The collector against an API served by WireMock (see wiremock.ts), with the misbehaviours of
// issue 8 produced by a server this project did not write: a skewed `Date`, poison bodies, records
// that break NDJSON, records repeated days apart, and bodies that trickle.

import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../e2e/helpers.js';
import { SECRET, TENANT, TOKEN, blob, record, records, stubTenant, writeWireMockConfig } from './tenant-api.js';
import { startWireMock, type WireMock } from './wiremock.js';

let wm: WireMock;
beforeAll(async () => {
  wm = await startWireMock();
}, 600_000);
afterAll(async () => {
  await wm?.close();
});
beforeEach(async () => {
  await wm.reset();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;

function delivered(dir: string): string[] {
  const p = join(dir, 'out.ndjson');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
}

function ids(lines: string[]): string[] {
  return lines.map((l) => (JSON.parse(l) as { Id: string }).Id);
}

function expectNoSecret(out: string): void {
  expect(out).not.toContain(SECRET);
  expect(out).not.toContain(TOKEN);
}

async function collectOnce(dir: string, config: string): Promise<{ code: number | null; stderr: string }> {
  const r = await runCli(['collect', '--config', config, '--once', '--no-progress'], { timeoutMs: 180_000 });
  expectNoSecret(r.stdout + r.stderr);
  return r;
}

function idsOf(rs: Record<string, unknown>[][]): string[] {
  return rs.flat().map((x) => x.Id as string).sort();
}

describe('against an independent server (WireMock)', () => {
  it('delivers every record once although the listing ignores the window and repeats every blob', async () => {
    // Every listing call answers with every blob, whatever its window: the collector sees each
    // blob in ~30 windows, after its own lookback horizon has passed it.
    const now = Date.now();
    const rs = [records(5, now - 3 * HOUR), records(7, now - 2 * HOUR)];
    await stubTenant(wm, [blob(now - 3 * HOUR, rs[0]!), blob(now - 2 * HOUR, rs[1]!)]);
    const dir = tempDir('o365-wm-');
    const config = writeWireMockConfig(dir, wm, 'initial_interval: 1d\n');
    const r = await collectOnce(dir, config);
    expect(r.code, r.stderr).toBe(0);
    expect(ids(delivered(dir)).sort(), r.stderr).toEqual(idsOf(rs));
  });

  it('delivers a record that comes again days later in another blob only once, across runs', async () => {
    const now = Date.now();
    const first = records(4, now - 3 * DAY);
    await stubTenant(wm, [blob(now - 3 * DAY, first)]);
    const dir = tempDir('o365-wm-');
    const config = writeWireMockConfig(dir, wm, 'initial_interval: 4d\n');
    const r1 = await collectOnce(dir, config);
    expect(r1.code, r1.stderr).toBe(0);
    expect(ids(delivered(dir)).sort()).toEqual(idsOf([first]));

    // Days later Microsoft hands out two of those records again, in a new blob, with a new one.
    await wm.reset();
    const again = [first[0]!, first[2]!, ...records(3, now - HOUR)];
    await stubTenant(wm, [blob(now - HOUR, again)]);
    const r2 = await collectOnce(dir, config);
    expect(r2.code, r2.stderr).toBe(0);
    const got = ids(delivered(dir));
    expect(got.length, 'no record twice').toBe(new Set(got).size);
    expect(got.sort()).toEqual([...new Set([...idsOf([first]), ...idsOf([again])])].sort());
  });

  for (const [name, skewMs] of [
    ['8 days ahead', 8 * DAY],
    ['8 days behind', -8 * DAY],
  ] as const) {
    it(`loses nothing when the API's Date header is ${name}, and catches up once the skew is gone`, async () => {
      const now = Date.now();
      const rs = [records(3, now - 5 * HOUR), records(4, now - 2 * HOUR)];
      const blobs = [blob(now - 5 * HOUR, rs[0]!), blob(now - 2 * HOUR, rs[1]!)];
      await stubTenant(wm, blobs, { headers: { Date: new Date(now + skewMs).toUTCString() } });
      const dir = tempDir('o365-wm-');
      const config = writeWireMockConfig(dir, wm, 'initial_interval: 1d\n');
      const r1 = await collectOnce(dir, config);
      expect(r1.stderr, 'no blob is declared lost because of a clock').not.toMatch(/blob lost|DATA LOST/);
      expect(r1.stderr, 'the skew is reported').toMatch(/skew/i);

      // The skew is gone; new content arrived meanwhile.
      await wm.reset();
      const later = records(2, now - HOUR);
      await stubTenant(wm, [...blobs, blob(now - HOUR, later)]);
      const r2 = await collectOnce(dir, config);
      expect(r2.code, r2.stderr).toBe(0);
      expect(r2.stderr).not.toMatch(/blob lost|DATA LOST/);
      const got = ids(delivered(dir));
      expect(got.length, 'no record twice').toBe(new Set(got).size);
      expect(got.sort()).toEqual(idsOf([...rs, later]));
    });
  }

  it('never prints an opaque bearer token that the API echoes in an error', async () => {
    const now = Date.now();
    await stubTenant(wm, [blob(now - HOUR, records(2, now - HOUR))]);
    // Any listing answers 400 with the request's bearer token in its body.
    await wm.stub({
      method: 'GET',
      path: `/api/v1.0/${TENANT}/activity/feed/subscriptions/content`,
      priority: 1,
      response: {
        status: 400,
        headers: { 'content-type': 'application/json' },
        // Without its "Bearer " prefix, so that only the token's own bytes could give it away.
        body: '{"error":{"code":"AF20000","message":"token {{regexExtract request.headers.Authorization \'Bearer (.*)\' \'parts\'}}{{parts.0}} is not valid here"}}',
        transformers: ['response-template'],
      },
    });
    const dir = tempDir('o365-wm-');
    const config = writeWireMockConfig(dir, wm, 'initial_interval: 1d\n');
    const r = await runCli(['collect', '--config', config, '--once', '--no-progress', '--log-level', 'debug'], { timeoutMs: 180_000 });
    const echoed = (await wm.requests()).some((q) => q.url.includes('/subscriptions/content'));
    expect(echoed, 'the server was asked and echoed the header').toBe(true);
    expect(r.code).toBe(1);
    expectNoSecret(r.stdout + r.stderr);
    expect(readFileSync(join(dir, 'state', 'commit.json'), 'utf8')).not.toContain(TOKEN);
  });

  it('quarantines poison blobs and bad records, delivers the rest once, and every line is one record with an Id', async () => {
    const now = Date.now();
    const good = records(6, now - 4 * HOUR);
    const mixedGood = records(3, now - 3 * HOUR);
    const ok = JSON.stringify(mixedGood[0]);
    // Bodies written by hand: a raw newline inside a string, a record that is not JSON, a record
    // without Id, around three good ones.
    const rawNewline = JSON.stringify(record(randomUUID(), now - 3 * HOUR, { Operation: 'X' })).replace('"X"', '"line one\nline two"');
    const mixedBody = `[${ok},${rawNewline},{"Id":"broken" "RecordType":15},${JSON.stringify(mixedGood[1])},{"RecordType":15,"Operation":"NoId"},${JSON.stringify(mixedGood[2])}]`;
    // A JSON array cut short after one whole record: that record is delivered, the blob is kept.
    const beforeCut = record(randomUUID(), now - 4.5 * HOUR);
    const poison = [
      blob(now - 5 * HOUR, [], { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' }),
      blob(now - 4.5 * HOUR, [], { body: `[${JSON.stringify(beforeCut)},{"Id":"cut` }),
      blob(now - 4.2 * HOUR, [], { body: 'this is not json at all' }),
    ];
    const mixed = blob(now - 3 * HOUR, [], { body: mixedBody });
    await stubTenant(wm, [...poison, blob(now - 4 * HOUR, good), mixed]);
    const dir = tempDir('o365-wm-');
    const config = writeWireMockConfig(dir, wm, 'initial_interval: 1d\n');
    const r = await collectOnce(dir, config);
    expect(r.stderr).toMatch(/quarantine/i);

    const lines = delivered(dir);
    for (const [i, l] of lines.entries()) {
      const v = JSON.parse(l) as { Id?: unknown };
      expect(typeof v.Id, `line ${i + 1} has an Id`).toBe('string');
    }
    const got = ids(lines);
    expect(got.length, 'no record twice').toBe(new Set(got).size);
    expect(got.sort()).toEqual(idsOf([good, mixedGood, [beforeCut]]));

    // Each poison blob and the bad records are kept, with what happened, and never the token.
    const qroot = join(dir, 'state', 'quarantine');
    const entries = readdirSync(qroot, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('entry.json'));
    const kept = entries.map((f) => JSON.parse(readFileSync(join(qroot, f), 'utf8')) as { contentId: string; kind: string; status: string; records?: unknown[] });
    for (const b of poison) expect(kept.find((e) => e.contentId === b.contentId)?.kind, b.contentId).toBe('blob');
    expect(kept.find((e) => e.contentId === mixed.contentId)?.records?.length).toBe(3);
    for (const f of readdirSync(qroot, { recursive: true, encoding: 'utf8' })) {
      const p = join(qroot, f);
      if (statSync(p).isFile()) expect(readFileSync(p, 'utf8')).not.toContain(TOKEN);
    }

    // The stream moved on: a second run fetches no poison blob again and delivers nothing twice.
    await wm.reset();
    await stubTenant(wm, [...poison, blob(now - 4 * HOUR, good), mixed]);
    const r2 = await collectOnce(dir, config);
    expect(r2.code, r2.stderr).toBe(0);
    expect(ids(delivered(dir)).sort()).toEqual(idsOf([good, mixedGood, [beforeCut]]));
  });

  it('ends a --once run in bounded time when the server trickles a blob and a listing, losing nothing', async () => {
    const now = Date.now();
    const good = records(4, now - 3 * HOUR);
    const slow = records(5, now - 2 * HOUR);
    // WireMock sends these bodies in 400 chunks spread over 10 minutes.
    const trickle = { chunkedDribbleDelay: { numberOfChunks: 400, totalDuration: 600_000 } };
    const slowBlob = blob(now - 2 * HOUR, [], { body: JSON.stringify(slow), ...trickle });
    await stubTenant(wm, [blob(now - 3 * HOUR, good), slowBlob]);
    const dir = tempDir('o365-wm-');
    const config = writeWireMockConfig(dir, wm, 'initial_interval: 1d\nwindow: 24h\nblob_deadline: 3s\nrequest_deadline: 3s\n');
    const t0 = Date.now();
    const r = await collectOnce(dir, config);
    expect(Date.now() - t0, 'the run ends long before the body would').toBeLessThan(150_000);
    expect(r.code, 'the stream failed (transiently), so the run says so').toBe(1);
    expect(r.stderr).not.toMatch(/blob lost|DATA LOST/);
    expect(ids(delivered(dir)).sort()).toEqual(idsOf([good]));

    // The server is fast again: the slow blob's records arrive, nothing twice.
    await wm.reset();
    await stubTenant(wm, [blob(now - 3 * HOUR, good), { ...slowBlob, response: { body: JSON.stringify(slow) } }]);
    const r2 = await collectOnce(dir, config);
    expect(r2.code, r2.stderr).toBe(0);
    expect(ids(delivered(dir)).sort()).toEqual(idsOf([good, slow]));

    // A listing that trickles fails its window in bounded time too, and moves no cursor.
    await wm.reset();
    await stubTenant(wm, [blob(now - 3 * HOUR, good)], { listing: trickle });
    const t1 = Date.now();
    const r3 = await collectOnce(dir, config);
    expect(Date.now() - t1).toBeLessThan(150_000);
    expect(r3.code).toBe(1);
    expect(ids(delivered(dir)).sort()).toEqual(idsOf([good, slow]));
  });
});

