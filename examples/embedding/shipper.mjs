// A tiny shipper built on o365-audit's embedding API: it reads Microsoft 365 audit records and
// forwards them, as NDJSON, to an HTTP endpoint (SHIP_URL) or appends them to a file (SHIP_FILE),
// with its own batching: up to SHIP_MAX_RECORDS records per request, or whatever arrived within
// SHIP_LINGER_MS. A batch from o365-audit is acked only once the request that carried it
// succeeded (or the file was fsynced), so a crash or a failed request never loses a record: what
// was not acked is fetched again at the next start.
//
//   SHIP_URL=http://127.0.0.1:8080/ingest node shipper.mjs o365-audit.yaml      # poll forever
//   SHIP_FILE=audit.ndjson ONCE=1 node shipper.mjs o365-audit.yaml              # catch up, then exit
//
// The config is the collector's own (see docs/config.md); its `output(s)` are not used here.

import { open } from 'node:fs/promises';
import { openInput } from 'o365-audit';

const configPath = process.argv[2] ?? 'o365-audit.yaml';
const url = process.env.SHIP_URL;
const file = process.env.SHIP_FILE;
const maxRecords = Number(process.env.SHIP_MAX_RECORDS ?? 2000);
const lingerMs = Number(process.env.SHIP_LINGER_MS ?? 1000);
if (!url && !file) {
  console.error('set SHIP_URL (an HTTP endpoint taking NDJSON) or SHIP_FILE (a file to append to)');
  process.exit(2);
}

/** Sends one NDJSON body; retries a failed request 5 times, then gives up (the run stops). */
async function send(body) {
  if (file) {
    const fh = await open(file, 'a', 0o600);
    try {
      await fh.appendFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
      if (res.ok) return;
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (attempt === 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

const input = openInput({ config: configPath, once: process.env.ONCE === '1', signal: stop.signal });
input.on('streamError', (s) => console.error(`stream ${s.tenantId} ${s.contentType} failing: ${s.error?.message}`));
input.on('lostSpan', (s) => console.error(`DATA LOST ${s.tenantId} ${s.contentType} ${new Date(s.from).toISOString()}..${new Date(s.to).toISOString()}`));

// The shipper's own buffer: o365-audit batches waiting to be sent together.
let buffered = [];
let count = 0;
let timer;
let shipping = Promise.resolve();
let failed;

function flush() {
  clearTimeout(timer);
  timer = undefined;
  const batches = buffered;
  buffered = [];
  count = 0;
  shipping = shipping.then(async () => {
    if (batches.length === 0 || failed) return;
    try {
      await send(batches.flatMap((b) => b.records.map((r) => r.raw)).join('\n') + '\n');
      for (const b of batches) await b.ack();
    } catch (err) {
      failed = err;
      stop.abort(); // not acked: these records come again next run
    }
  });
  return shipping;
}

for await (const batch of input) {
  buffered.push(batch);
  count += batch.records.length;
  if (count >= maxRecords) await flush();
  else timer ??= setTimeout(flush, lingerMs);
}
await flush();
if (failed) {
  console.error(`shipping failed: ${failed.message}`);
  process.exitCode = 1;
}
console.error(`done: ${input.summary?.records ?? 0} records`);
