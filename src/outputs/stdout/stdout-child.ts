// Child process for the EPIPE test: writes numbered lines to stdout through StdoutOutput until its
// reader goes away, then reports on stderr how flushTo() failed and exits 0.
import { StdoutOutput } from './stdout-output.js';

let gone = false;
const out = new StdoutOutput({ onReaderGone: () => (gone = true) });
await out.open(undefined);
const meta = { tenantId: 't', contentType: 'c', contentId: 'x' };
for (let i = 0; i < 1_000_000 && !gone; i++) {
  const w = out.write(`{"Id":"${i}"}`, meta);
  if (w) await w;
  if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
}
try {
  await out.flushTo(out.mark());
  process.stderr.write('flushed\n');
} catch (err) {
  process.stderr.write(`reader-gone ${(err as { code?: string }).code} ${String((err as { context?: { reason?: string } }).context?.reason)}\n`);
}
await out.close();
process.exitCode = gone ? 0 : 3;
