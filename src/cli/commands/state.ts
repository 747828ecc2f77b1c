// `o365-audit state --config FILE [--json]`: where every stream stands: its cursor (everything
// listed before it is delivered), how far that lags behind now, and the totals since it began.

import { Command } from 'commander';
import { CLOCK_SKEW_HINT, formatSkew } from '../../collector/clock.js';
import { formatDuration } from '../../shared/duration.js';
import { scrub } from '../../logging/redact.js';
import { loadContext } from '../context.js';
import { CliExit, EXIT_FAILURES, EXIT_USAGE } from '../exit-codes.js';
import { missingCheckpointHint } from '../../collector/missing-checkpoint.js';
import { FileStateStore } from '../../state/file-store.js';
import { FileQuarantine, quarantineDir, type QuarantineEntry } from '../../state/quarantine.js';
import { readCheckpoints, readMissing } from '../state-reader.js';

export interface StateRow {
  tenantId: string;
  label?: string;
  contentType: string;
  /** ISO time of the cursor. */
  cursor: string;
  lagMs: number;
  lag: string;
  updatedAt: string;
  configured: boolean;
  totals: { records: number; blobs: number; lostBlobs: number; lostSpans: number; duplicatesDropped: number; quarantinedBlobs: number; quarantinedRecords: number };
  /** Quarantine entries of this stream not replayed yet (blobs set aside, blobs with records set aside). */
  pendingQuarantine: number;
  /** The API's Date and this machine's clock disagreed at the last commit (see README, Troubleshooting). */
  clockSkew?: { skewMs: number; skew: string; since: string };
}

export function stateCommand(): Command {
  return new Command('state')
    .description('show the committed checkpoints: cursor, lag behind now and totals per tenant and content type')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--json', 'print JSON instead of a table')
    .option('--forget <tenant/contentType...>', 'forget these streams on purpose (a missing checkpoint): their next run starts over from initial_interval')
    .action(async (flags: { config: string; json?: boolean; forget?: string[] }) => {
      // Reading checkpoints needs no credentials: work without the secrets' variables and files.
      const { config } = await loadContext(flags.config, 'silent', { withoutSecrets: true });
      if (flags.forget !== undefined) return forget(config.stateDir, flags.forget);
      let cps;
      let pending: QuarantineEntry[];
      let missing;
      try {
        cps = await readCheckpoints(config.stateDir);
        pending = (await new FileQuarantine(quarantineDir(config.stateDir)).list()).filter((e) => e.status === 'quarantined');
        missing = await readMissing(config.stateDir, cps);
      } catch (err) {
        throw new CliExit(EXIT_FAILURES, `o365-audit: ${scrub((err as Error).message)}`);
      }
      const labels = new Map(config.tenants.map((t) => [t.tenantId.toLowerCase(), t]));
      const now = Date.now();
      const rows: StateRow[] = cps
        .map((cp) => {
          const t = labels.get(cp.tenantId.toLowerCase());
          return {
            tenantId: cp.tenantId,
            ...(t?.label !== undefined ? { label: t.label } : {}),
            contentType: cp.contentType,
            cursor: new Date(cp.cursor).toISOString(),
            lagMs: Math.max(0, now - cp.cursor),
            lag: formatDuration(Math.max(0, now - cp.cursor)),
            updatedAt: new Date(cp.updatedAt).toISOString(),
            configured: t !== undefined && t.contentTypes.includes(cp.contentType),
            totals: { ...cp.totals, quarantinedBlobs: cp.totals.quarantinedBlobs ?? 0, quarantinedRecords: cp.totals.quarantinedRecords ?? 0 },
            pendingQuarantine: pending.filter((e) => e.tenantId === cp.tenantId && e.contentType === cp.contentType).length,
            ...(cp.clockSkew !== undefined
              ? { clockSkew: { skewMs: cp.clockSkew.skewMs, skew: formatSkew(cp.clockSkew.skewMs), since: new Date(cp.clockSkew.since).toISOString() } }
              : {}),
          };
        })
        .sort((a, b) => `${a.label ?? a.tenantId}/${a.contentType}`.localeCompare(`${b.label ?? b.tenantId}/${b.contentType}`));
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ stateDir: config.stateDir, streams: rows, quarantine: { dir: quarantineDir(config.stateDir), pending: pending.length }, missing }, null, 2)}\n`,
        );
        if (missing.length > 0) throw new CliExit(EXIT_FAILURES);
        return;
      }
      if (missing.length > 0) {
        for (const m of missing) {
          process.stderr.write(`o365-audit: MISSING CHECKPOINT tenant ${m.tenantId}, content type ${m.contentType}: ${m.file} was committed but is gone; the collector refuses that stream\n  hint: ${missingCheckpointHint(m)}\n`);
        }
      }
      if (rows.length === 0) {
        process.stdout.write(`No checkpoints in ${config.stateDir} yet (nothing collected).\n`);
        return;
      }
      process.stdout.write(renderTable(rows));
      if (pending.length > 0) {
        process.stdout.write(
          `\n${pending.length} quarantined blob(s) wait for replay in ${quarantineDir(config.stateDir)} (run: o365-audit replay --config ${flags.config})\n`,
        );
      }
      if (missing.length > 0) throw new CliExit(EXIT_FAILURES);
    });
}

async function forget(stateDir: string, specs: string[]): Promise<void> {
  const keys = specs.map((spec) => {
    const i = spec.indexOf('/');
    if (i <= 0 || i === spec.length - 1) throw new CliExit(EXIT_USAGE, `o365-audit: --forget takes TENANT_ID/CONTENT_TYPE, got "${spec}"`);
    return { tenantId: spec.slice(0, i), contentType: spec.slice(i + 1) };
  });
  // Takes the state lock like a collector: never while one runs on this state_dir.
  const store = new FileStateStore(stateDir);
  try {
    await store.load();
    await store.forget(keys);
  } catch (err) {
    throw new CliExit(EXIT_FAILURES, `o365-audit: ${scrub((err as Error).message)}`);
  } finally {
    await store.close().catch(() => {});
  }
  for (const k of keys) process.stdout.write(`Forgot ${k.tenantId} / ${k.contentType}: its next run starts over from initial_interval.\n`);
}

function renderTable(rows: StateRow[]): string {
  const head = ['TENANT', 'CONTENT TYPE', 'CURSOR', 'LAG', 'RECORDS', 'BLOBS', 'DUPES', 'LOST BLOBS', 'LOST SPANS', 'QUAR. BLOBS', 'QUAR. RECORDS', 'TO REPLAY'];
  const body = rows.map((r) => [
    (r.label ?? r.tenantId) + (r.configured ? '' : ' (not configured)'),
    r.contentType,
    r.cursor.replace(/\.\d{3}Z$/, 'Z'),
    r.lag,
    String(r.totals.records),
    String(r.totals.blobs),
    String(r.totals.duplicatesDropped),
    String(r.totals.lostBlobs),
    String(r.totals.lostSpans),
    String(r.totals.quarantinedBlobs),
    String(r.totals.quarantinedRecords),
    String(r.pendingQuarantine),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const notes = rows
    .filter((r) => r.clockSkew !== undefined)
    .map((r) => `CLOCK SKEW ${r.label ?? r.tenantId} / ${r.contentType}: the API's Date was ${r.clockSkew!.skew} from this machine's clock at the last commit (since ${r.clockSkew!.since}); no span is declared lost while it lasts`);
  if (notes.length > 0) notes.push(`  hint: ${CLOCK_SKEW_HINT}`);
  return `${[line(head), ...body.map(line), ...notes].join('\n')}\n`;
}
