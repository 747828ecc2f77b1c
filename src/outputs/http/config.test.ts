import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseElasticsearchOutput } from '../elasticsearch/config.js';
import type { OutputFileReader } from '../normalise.js';
import { normaliseHttpOutput } from './config.js';

let dir: string;
let files: OutputFileReader & { problems: string[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-outcfg-'));
  await writeFile(join(dir, 'pw.txt'), 's3cret\n');
  await writeFile(join(dir, 'ca.pem'), 'PEM');
  files = {
    baseDir: dir,
    problems: [],
    read(key, name) {
      try {
        return readFileSync(resolve(dir, name), 'utf8');
      } catch {
        this.problems.push(key);
        return undefined;
      }
    },
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('output config normalisers', () => {
  it('turns an elasticsearch entry into camelCase milliseconds, files read, paths absolute', () => {
    const c = normaliseElasticsearchOutput(
      {
        type: 'elasticsearch',
        url: 'https://es:9200',
        username: 'elastic',
        password_file: 'pw.txt',
        ca_file: 'ca.pem',
        namespace: 'prod',
        flush_interval: '5s',
        request_timeout: '2m',
        retry: { max_attempts: 3, base_delay: '2s', max_delay: '1m' },
        dead_letter_path: 'dl/x.ndjson',
        setup_on_start: true,
      },
      files,
    );
    expect(c).toMatchObject({
      type: 'elasticsearch',
      hosts: ['https://es:9200'],
      username: 'elastic',
      password: 's3cret',
      ca: 'PEM',
      namespace: 'prod',
      flushIntervalMs: 5000,
      requestTimeoutMs: 120_000,
      retry: { maxAttempts: 3, baseDelayMs: 2000, maxDelayMs: 60_000 },
      deadLetterPath: join(dir, 'dl/x.ndjson'),
      setupOnStart: true,
    });
    expect(normaliseElasticsearchOutput({ type: 'opensearch', hosts: ['http://a', 'http://b'] }, files).hosts).toEqual(['http://a', 'http://b']);
  });

  it('turns an http entry into basic or bearer auth and reports unreadable files', () => {
    const basic = normaliseHttpOutput({ type: 'http', url: 'http://x', username: 'u', password: 'p', format: 'wazuh', flush_interval: '1s' }, files);
    expect(basic).toMatchObject({ auth: { kind: 'basic', username: 'u', password: 'p' }, format: 'wazuh', flushIntervalMs: 1000 });
    const bearer = normaliseHttpOutput({ type: 'http', url: 'http://x', bearer_token_file: 'pw.txt' }, files);
    expect(bearer.auth).toEqual({ kind: 'bearer', token: 's3cret' });
    normaliseHttpOutput({ type: 'http', url: 'http://x', ca_file: 'missing.pem' }, files);
    expect(files.problems).toEqual(['ca_file']);
  });
});
