// The bench table: one row per case, the same columns in the terminal and in docs/benchmarks.md.

import type { CaseResult } from './context.js';

export const COLUMNS = ['Case', 'Records', 'Time (s)', 'Records/s', 'CPU s / 1M rec', 'Peak RSS (MiB)', 'vs floor (speed, CPU)', 'Other', 'Targets'] as const;

function n(v: unknown, digits = 0): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
  return v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function other(r: CaseResult): string {
  const m = r.metrics;
  switch (r.name) {
    case 'huge-blob':
      return `blob ${n(m['blobMiB'])} MiB; RSS/blob ${n(m['peakRssOverBlob'], 2)}`;
    case 'tenants':
      return `fairness ${n(m['fairness'], 2)} (tenant done ${n(m['fastestTenantSeconds'], 1)}-${n(m['slowestTenantSeconds'], 1)} s)`;
    case 'id-index-1m':
    case 'id-index-10m':
      return `${n(m['checkAndInsertMicrosPerRecord'], 2)} µs/record check+insert, hit ${n(m['hitLookupMicros'], 2)} µs; ${n(m['usedBytesPerId'])} B/Id in use; heap ${n(m['peakHeapUsedMiB'])} MiB`;
    case 'pipeline':
      return `trivial ${n(m['trivialDocsPerSecond'])} docs/s: ratio ${n(m['ratioToTrivial'], 2)}; store-only ${n(m['storeOnlyDocsPerSecond'])} docs/s: ${n(m['ratioToStoreOnly'], 2)}`;
    default:
      return m['mibPerSecond'] === undefined ? '' : `${n(m['mibPerSecond'], 1)} MiB/s; ${n(m['cpuUtilisation'], 2)} cores`;
  }
}

function targets(r: CaseResult): string {
  if (r.notRun !== undefined) return `not run: ${r.notRun}`;
  return r.targets.map((t) => `${t.holds === undefined ? '?' : t.holds ? 'PASS' : 'MISS'} ${t.text}`).join('; ');
}

export function rows(results: CaseResult[]): string[][] {
  return results.map((r) => {
    const m = r.metrics;
    const rate = r.name === 'pipeline' ? m['docsPerSecond'] : m['recordsPerSecond'];
    const ratio = m['ratioToFloor'];
    const cpuRatio = m['cpuRatioToFloor'];
    return [
      r.title,
      n(m['records'] ?? m['docs']),
      n(m['wallSeconds'], 1),
      n(rate),
      n(m['cpuSecondsPerMillion'], 1),
      n(m['peakRssMiB']),
      typeof ratio === 'number' ? `${n(ratio, 2)}x, ${n(cpuRatio, 2)}x` : '',
      other(r),
      targets(r),
    ];
  });
}

export function textTable(results: CaseResult[]): string {
  const all = [[...COLUMNS], ...rows(results)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function markdownTable(results: CaseResult[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const head = `| ${COLUMNS.join(' | ')} |\n|${COLUMNS.map(() => '---').join('|')}|`;
  return [head, ...rows(results).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
