// `o365-audit replay --config FILE`: fetches every quarantined blob again (while the API still has
// it) and delivers its good records through the configured outputs, de-duplicated against what
// was already delivered. Says per blob what it did. Exit 0 when every waiting blob was replayed
// (or none waited), 1 when one is still bad, gone or failed (each named), 2 bad config, usage,
// or a collector holding the state directory or an output file.

import { Command, Option } from 'commander';
import { replayQuarantine, type ReplayBlobResult } from '../../collector/replay.js';
import { buildCollectorOptions } from '../../config/build.js';
import { ConfigError, O365AuditError } from '../../errors.js';
import { toCollectorLogger } from '../../logging/logger.js';
import { scrub } from '../../logging/redact.js';
import { quarantineDir } from '../../state/quarantine.js';
import { LockHeldError } from '../../state/lock-file.js';
import { loadContext, LOG_LEVELS } from '../context.js';
import { EXIT_FAILURES, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { onShutdown } from '../signals.js';

interface ReplayFlags {
  config: string;
  logLevel?: string;
  json?: boolean;
}

const OUTCOME_WORDS: Record<ReplayBlobResult['outcome'], string> = {
  replayed: 'REPLAYED',
  'still-bad': 'STILL BAD',
  gone: 'GONE',
  failed: 'FAILED',
  skipped: 'SKIPPED',
};

export function replayCommand(): Command {
  return new Command('replay')
    .description('fetch the quarantined blobs again and deliver their good records (de-duplicated) through the configured outputs')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .addOption(new Option('--log-level <level>', 'log level (overrides log_level)').choices(LOG_LEVELS))
    .option('--json', 'print the per-blob results as JSON on stdout (needs outputs other than stdout)')
    .action(async (flags: ReplayFlags) => {
      process.exitCode = await replay(flags);
    });
}

export function formatReplay(blobs: ReplayBlobResult[], dir: string): string {
  if (blobs.length === 0) return `o365-audit replay: nothing waits in the quarantine (${dir})\n`;
  const lines = [`o365-audit replay: ${blobs.length} quarantined blob(s) in ${dir}`];
  for (const b of blobs) {
    lines.push(`  ${OUTCOME_WORDS[b.outcome].padEnd(9)}  ${b.label ?? b.tenantId} / ${b.contentType}  ${b.contentId}`);
    lines.push(`             ${scrub(b.message)}`);
  }
  const count = (o: ReplayBlobResult['outcome']) => blobs.filter((b) => b.outcome === o).length;
  const records = blobs.reduce((n, b) => n + b.delivered, 0);
  lines.push(
    `  replayed ${count('replayed')}, still bad ${count('still-bad')}, gone ${count('gone')}, failed ${count('failed')}, skipped ${count('skipped')}; records delivered ${records}`,
  );
  return `${lines.join('\n')}\n`;
}

async function replay(flags: ReplayFlags): Promise<number> {
  const ctx = await loadContext(flags.config, flags.logLevel);
  const shutdown = onShutdown((sig) => ctx.log.info({ signal: sig }, 'stopping replay: committing what was delivered'));
  const logger = toCollectorLogger(ctx.log);
  try {
    if (flags.json === true && ctx.config.outputs.some((o) => o.type === 'stdout')) {
      process.stderr.write('o365-audit: --json prints on stdout, which is also an output here; leave out --json\n');
      return EXIT_USAGE;
    }
    const runtime = buildCollectorOptions(ctx.config, { logger });
    try {
      const { options } = runtime;
      const { blobs } = await replayQuarantine({
        tenants: options.tenants,
        outputs: options.outputs,
        state: options.state,
        quarantine: options.quarantine!,
        logger,
        signal: shutdown.signal,
      });
      process.stderr.write(formatReplay(blobs, quarantineDir(ctx.config.stateDir)));
      if (flags.json === true) process.stdout.write(`${JSON.stringify({ blobs }, null, 2)}\n`);
      return blobs.every((b) => b.outcome === 'replayed') ? EXIT_OK : EXIT_FAILURES;
    } finally {
      await runtime.close();
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof LockHeldError) {
      process.stderr.write(`o365-audit: ${scrub(err.message)}\n`);
      return EXIT_USAGE;
    }
    const code = err instanceof O365AuditError ? err.code : 'O365_ERR_UNEXPECTED';
    ctx.log.error({ err, code }, 'replay failed');
    process.stderr.write(`o365-audit: replay failed [${code}]: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_FAILURES;
  } finally {
    shutdown.dispose();
  }
}
