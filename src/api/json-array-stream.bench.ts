// Micro-benchmark for the blob splitter: `npx tsx src/api/json-array-stream.bench.ts [--pretty]`.
// Compares per-record cost of (a) the byte splitter with its targeted `Id` scan, (b) the splitter
// plus JSON.parse of every element (the alternative way to get `Id`), (c) the naive
// JSON.parse(blob) + JSON.stringify(record) baseline that the brief sets the bar against.

import { JsonArraySplitter } from './json-array-stream.js';

function record(i: number): Record<string, unknown> {
  return {
    CreationTime: '2024-03-01T09:58:41',
    Id: `5b0c2a9e-1f1e-4b0c-9a51-${String(i).padStart(12, '0')}`,
    Operation: 'FileDownloaded',
    OrganizationId: '11111111-2222-3333-4444-555555555555',
    RecordType: 6,
    UserKey: 'i:0h.f|membership|10032000abcd@live.com',
    UserType: 0,
    Version: 1,
    Workload: 'SharePoint',
    ClientIP: '203.0.113.10',
    ObjectId: `https://contoso.sharepoint.com/sites/x/Shared Documents/file-${i}.docx`,
    UserId: 'user@contoso.com',
    SiteUrl: 'https://contoso.sharepoint.com/sites/x/',
    SourceFileName: `file-${i}.docx`,
    ExtendedProperties: [{ Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Édge/120' }, { Name: 'RequestType', Value: 'Download' }],
    AppAccessContext: { AADSessionId: 'abc', CorrelationId: 'def', UniqueTokenId: 'ghi' },
  };
}

const N = 20_000;
const PRETTY = process.argv.includes('--pretty');
const blob = Buffer.from(JSON.stringify(Array.from({ length: N }, (_, i) => record(i)), null, PRETTY ? 1 : 0));
const CHUNK = 64 * 1024;

function splitter(parse: boolean): number {
  const s = new JsonArraySplitter();
  let n = 0;
  for (let i = 0; i < blob.length; i += CHUNK) {
    for (const r of s.push(blob.subarray(i, i + CHUNK))) {
      if (parse) (JSON.parse(r.raw) as { Id?: string }).Id;
      n += r.raw.length;
    }
  }
  s.end();
  return n;
}

function baseline(): number {
  const arr = JSON.parse(blob.toString('utf8')) as unknown[];
  let n = 0;
  for (const r of arr) n += JSON.stringify(r).length;
  return n;
}

function time(name: string, fn: () => number): number {
  fn(); // warm-up
  const runs = 5;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < runs; k++) fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  const perSec = (N / ms) * 1000;
  console.log(`${name.padEnd(34)} ${ms.toFixed(1).padStart(7)} ms/blob  ${(perSec / 1000).toFixed(0).padStart(6)} k rec/s  ${((blob.length / ms) * 1000 / 1e6).toFixed(0)} MB/s`);
  return perSec;
}

console.log(`node ${process.version}, ${N} records, ${(blob.length / 1e6).toFixed(1)} MB ${PRETTY ? '(pretty-printed)' : '(compact, as the API sends)'}`);
const a = time('splitter + targeted Id scan', () => splitter(false));
const b = time('splitter + JSON.parse per record', () => splitter(true));
const c = time('baseline JSON.parse + stringify', baseline);
console.log(`targeted scan: ${(a / c).toFixed(2)}x baseline; with JSON.parse: ${(b / c).toFixed(2)}x baseline`);
