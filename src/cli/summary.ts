// The end-of-run summary printed to stderr (stdout may carry records): totals, then one line per
// stream, failing streams with their error code, Microsoft's AF code and a plain-words hint.

import type { RunSummary, StreamStats } from '../collector/types.js';
import { CLOCK_SKEW_HINT, formatSkew } from '../collector/clock.js';
import { formatDuration } from '../shared/duration.js';
import { scrub } from '../logging/redact.js';

function streamName(s: StreamStats): string {
  return `${s.label ?? s.tenantId} / ${s.contentType}`;
}

export function formatSummary(summary: RunSummary, options: { interrupted?: boolean } = {}): string {
  const lines: string[] = [];
  const state = options.interrupted ? 'stopped' : summary.failedStreams > 0 ? `finished with ${summary.failedStreams} failing stream(s)` : 'finished';
  lines.push(`o365-audit: run ${state} in ${formatDuration(summary.durationMs)}`);
  lines.push(
    `  records ${summary.records}, blobs ${summary.blobs}, retries ${summary.retries}, throttles ${summary.throttles}, ` +
      `refused URLs ${summary.refusedUrls}, spans lost to expiry ${summary.lostSpans}, blobs lost ${summary.lostBlobs}, ` +
      `duplicates dropped ${summary.duplicatesDropped}, quarantined blobs ${summary.quarantinedBlobs}, quarantined records ${summary.quarantinedRecords}`,
  );
  for (const c of summary.clockSkews) {
    lines.push(`  CLOCK SKEW ${c.label ?? c.tenantId}: the API's Date is ${formatSkew(c.skewMs)} from this machine's clock; no span was declared lost because of it`);
    lines.push(`    hint: ${CLOCK_SKEW_HINT}`);
  }
  if (summary.quarantinedBlobs + summary.quarantinedRecords > 0) {
    lines.push('  quarantine: what could not be delivered is kept under state_dir/quarantine; `o365-audit replay --config FILE` fetches it again');
  }
  const width = Math.max(0, ...summary.streams.map((s) => streamName(s).length));
  for (const s of [...summary.streams].sort((a, b) => streamName(a).localeCompare(streamName(b)))) {
    const head = `  ${streamName(s).padEnd(width)}  records ${s.records}, blobs ${s.blobs}`;
    const extra: string[] = [];
    if (s.duplicatesDropped > 0) extra.push(`duplicates dropped ${s.duplicatesDropped}`);
    if (s.lostBlobs > 0) extra.push(`blobs lost ${s.lostBlobs}`);
    if (s.quarantinedBlobs > 0) extra.push(`quarantined blobs ${s.quarantinedBlobs}`);
    if (s.quarantinedRecords > 0) extra.push(`quarantined records ${s.quarantinedRecords}`);
    if (s.lostSpanMs > 0) extra.push(`lost to expiry ${formatDuration(s.lostSpanMs)}`);
    if (s.clockSkewMs !== undefined) extra.push(`clock skew ${formatSkew(s.clockSkewMs)}`);
    if (s.error === undefined) {
      lines.push(`${head}${extra.length ? `, ${extra.join(', ')}` : ''}  ok`);
    } else {
      const e = s.error;
      const codes = [e.code, e.afCode].filter(Boolean).join(' ');
      lines.push(`${head}  FAILED [${codes}] ${scrub(e.message)}`);
      if (e.hint) lines.push(`  ${''.padEnd(width)}  hint: ${scrub(e.hint)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The summary as one structured object (for the JSON log line that closes a run). */
export function summaryFields(summary: RunSummary): Record<string, unknown> {
  return {
    records: summary.records,
    blobs: summary.blobs,
    retries: summary.retries,
    throttles: summary.throttles,
    refusedUrls: summary.refusedUrls,
    lostSpans: summary.lostSpans,
    lostBlobs: summary.lostBlobs,
    duplicatesDropped: summary.duplicatesDropped,
    quarantinedBlobs: summary.quarantinedBlobs,
    quarantinedRecords: summary.quarantinedRecords,
    failedStreams: summary.failedStreams,
    clockSkews: summary.clockSkews.map((c) => ({ tenant: c.label ?? c.tenantId, skewMs: c.skewMs })),
    durationMs: summary.durationMs,
    failures: summary.streams
      .filter((s) => s.error !== undefined)
      .map((s) => ({ tenant: s.label ?? s.tenantId, contentType: s.contentType, code: s.error?.code, afCode: s.error?.afCode, hint: s.error?.hint })),
  };
}
