// Bench child, the record-Id index: fills an index with N Ids the way the collector does (commits
// of COMMIT Ids, blobs spread over the 8 days kept), then measures at N held the collector's
// per-record cost (a lookup of a new Id + its share of the commit that inserts it), lookups of Ids
// held (repeats), disk bytes per Id, one hour's expiry, and the process's peak RSS and heap.
// Usage: BENCH_RESULT=out.json node id-index-child.mjs DIR N

import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdIndex } from '../../src/state/id-index.js';
import type { StreamIdBatch } from '../../src/state/types.js';
import { ownUsage, type ChildUsage } from '../lib/child.js';

export interface IdIndexChildResult {
  held: number;
  fillSeconds: number;
  fillIdsPerSecond: number;
  /** New Id: lookup (a miss) + insert through a commit of COMMIT Ids, per record. */
  checkAndInsertMicros: number;
  /** Lookup alone of an Id not held. */
  missLookupMicros: number;
  /** Lookup of an Id held (a repeat). */
  hitLookupMicros: number;
  /** Expiring one hour (~N/200 Ids) in a commit, per Id removed. */
  pruneMicrosPerId: number;
  prunedIds: number;
  usedBytesPerId: number;
  fileBytesPerId: number;
  fileMiB: number;
  /** Heap after the fill, with nothing of the bench's own held: what the index costs. */
  heapUsedMiB: number;
  /** Highest heap seen while filling (commits of 20,000 Ids in flight). */
  peakHeapUsedMiB: number;
  externalMiB: number;
  usage: ChildUsage;
}

const [dir, nArg] = process.argv.slice(2);
const out = process.env['BENCH_RESULT'];
if (dir === undefined || nArg === undefined || out === undefined) {
  process.stderr.write('usage: BENCH_RESULT=out.json id-index-child DIR N\n');
  process.exit(2);
}
const N = Number(nArg);
const COMMIT = 20_000;
const SAMPLE = 200_000;
const HOUR = 3_600_000;
const SPAN_HOURS = 8 * 24;
const T0 = Date.UTC(2026, 0, 1);

// Deterministic random-looking GUIDs (as Microsoft's are random): no list of Ids in the heap.
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
const hex8 = (x: number): string => x.toString(16).padStart(8, '0');
function guid(i: number): string {
  const a = hex8(mix(i * 4 + 1));
  const b = hex8(mix(i * 4 + 2));
  const c = hex8(mix(i * 4 + 3));
  const d = hex8(mix(i * 4 + 4));
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}
/** contentCreated of Id i: ~50 records per blob, blobs spread evenly over the 8 days. */
const created = (i: number, n: number): number => T0 + Math.floor(((Math.floor(i / 50) * 50) / n) * SPAN_HOURS) * HOUR + 60_000 * (Math.floor(i / 50) % 60);

let peakHeap = 0;
const sampleHeap = (): void => {
  const h = process.memoryUsage().heapUsed;
  if (h > peakHeap) peakHeap = h;
};

function batch(from: number, to: number, n: number): StreamIdBatch {
  const groups = new Map<number, string[]>();
  for (let i = from; i < to; i++) {
    const c = created(i, n);
    let l = groups.get(c);
    if (l === undefined) groups.set(c, (l = []));
    l.push(guid(i));
  }
  return { tenantId: 'bench-tenant', contentType: 'Audit.Exchange', groups: [...groups] };
}

const path = join(dir, 'ids.mdb');
const index = IdIndex.open(path);
const reader = index.reader('bench-tenant', 'Audit.Exchange');
let seq = 0;

// 1. Fill to N held, commit by commit.
const t0 = performance.now();
for (let i = 0; i < N; i += COMMIT) {
  await index.apply(++seq, [batch(i, Math.min(N, i + COMMIT), N)]);
  if (seq % 25 === 0) sampleHeap();
}
const fillSeconds = (performance.now() - t0) / 1000;
(globalThis as { gc?: () => void }).gc?.();
const heapAfterFill = process.memoryUsage().heapUsed;
sampleHeap();

// 2. At N held: the collector's path for new records (lookup misses, then commits inserting them).
//    The new Ids are created in the newest hour, like new blobs.
const fresh: string[] = [];
for (let i = N; i < N + SAMPLE; i++) fresh.push(guid(i));
let t = performance.now();
let found = 0;
for (const id of fresh) if (reader.has(id)) found++;
const missMicros = ((performance.now() - t) * 1000) / SAMPLE;
const newest = T0 + SPAN_HOURS * HOUR;
t = performance.now();
for (let k = 0; k < SAMPLE; k += COMMIT) {
  await index.apply(++seq, [{ tenantId: 'bench-tenant', contentType: 'Audit.Exchange', groups: [[newest, fresh.slice(k, k + COMMIT)]] }]);
}
const insertMicros = ((performance.now() - t) * 1000) / SAMPLE;
fresh.length = 0;

// 3. Repeats: lookups of Ids held, at random.
const held: string[] = [];
for (let k = 0; k < SAMPLE; k++) held.push(guid(mix(k) % N));
t = performance.now();
let hits = 0;
for (const id of held) if (reader.has(id)) hits++;
const hitMicros = ((performance.now() - t) * 1000) / SAMPLE;
if (hits !== SAMPLE || found !== 0) throw new Error(`index answers wrong: ${hits}/${SAMPLE} hits, ${found} false hits`);

// 4. Disk.
const stats = index.stats();
const fileBytes = statSync(path).size;

// 5. Expiry of the oldest hour.
const before = index.stats().ids;
t = performance.now();
await index.apply(++seq, [{ tenantId: 'bench-tenant', contentType: 'Audit.Exchange', groups: [], pruneBefore: T0 + HOUR }]);
const pruneMs = performance.now() - t;
const pruned = before - index.stats().ids;
held.length = 0;
const mem = process.memoryUsage();
await index.close();

const result: IdIndexChildResult = {
  held: stats.ids,
  fillSeconds,
  fillIdsPerSecond: N / fillSeconds,
  checkAndInsertMicros: missMicros + insertMicros,
  missLookupMicros: missMicros,
  hitLookupMicros: hitMicros,
  pruneMicrosPerId: pruned > 0 ? (pruneMs * 1000) / pruned : 0,
  prunedIds: pruned,
  usedBytesPerId: stats.usedBytes / stats.ids,
  fileBytesPerId: fileBytes / stats.ids,
  fileMiB: fileBytes / 2 ** 20,
  heapUsedMiB: heapAfterFill / 2 ** 20,
  peakHeapUsedMiB: peakHeap / 2 ** 20,
  externalMiB: mem.external / 2 ** 20,
  usage: ownUsage(),
};
writeFileSync(out, JSON.stringify(result));
