// Bench child, the floor: the least work any collector must do per record, in one process. Reads
// the corpus (the simulator's records, one per line), JSON.parse + JSON.stringify per record, and
// appends the results to a file in 1 MiB batches like the file output. No network, no splitter.

import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { ownUsage, type ChildUsage } from '../lib/child.js';

export interface FloorChildResult {
  records: number;
  bytesIn: number;
  runSeconds: number;
  usage: ChildUsage;
}

const [corpus, target] = process.argv.slice(2);
const out = process.env['BENCH_RESULT'];
if (corpus === undefined || target === undefined || out === undefined) {
  process.stderr.write('usage: BENCH_RESULT=out.json floor-child CORPUS.ndjson OUTPUT\n');
  process.exit(2);
}

const BATCH = 1 << 20;
const t0 = performance.now();
const inFd = openSync(corpus, 'r');
const outFd = openSync(target, 'w');
const chunk = Buffer.allocUnsafe(BATCH);
let carry = Buffer.alloc(0);
let batch: string[] = [];
let batchBytes = 0;
let records = 0;
let bytesIn = 0;

const flush = (): void => {
  if (batch.length === 0) return;
  writeSync(outFd, Buffer.from(batch.join('\n') + '\n', 'utf8'));
  batch = [];
  batchBytes = 0;
};

for (;;) {
  const n = readSync(inFd, chunk, 0, BATCH, null);
  if (n === 0) break;
  bytesIn += n;
  // Decode only up to the last newline, so a UTF-8 sequence is never cut in two.
  const last = chunk.lastIndexOf(0x0a, n - 1);
  if (last < 0) {
    carry = Buffer.concat([carry, chunk.subarray(0, n)]);
    continue;
  }
  const text = (carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, last)]) : chunk.subarray(0, last)).toString('utf8');
  carry = Buffer.from(chunk.subarray(last + 1, n));
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    const line = nl < 0 ? text.slice(from) : text.slice(from, nl);
    if (line.length > 0) {
      const s = JSON.stringify(JSON.parse(line));
      batch.push(s);
      batchBytes += s.length + 1;
      records++;
      if (batchBytes >= BATCH) flush();
    }
    if (nl < 0) break;
    from = nl + 1;
  }
}
if (carry.length > 0) {
  const s = JSON.stringify(JSON.parse(carry.toString('utf8')));
  batch.push(s);
  records++;
}
flush();
closeSync(inFd);
closeSync(outFd);
const result: FloorChildResult = { records, bytesIn, runSeconds: (performance.now() - t0) / 1000, usage: ownUsage() };
writeFileSync(out, JSON.stringify(result));
