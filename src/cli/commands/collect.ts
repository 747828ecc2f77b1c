// `o365-audit collect --config FILE [--once]`: poll every tenant and content type until stopped
// (or, with --once, catch up to now and exit). Exit 0 ok, 1 finished with failures, 2 bad config
// or a state directory / output file that another collector holds.

import { Command, Option } from 'commander';
import { ConfigError, O365AuditError } from '../../errors.js';
import { createLogger } from '../../logging/logger.js';
import { scrub } from '../../logging/redact.js';
import { LockHeldError } from '../../state/lock-file.js';
import { loadContext, LOG_LEVELS } from '../context.js';
import { EXIT_FAILURES, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { runCollector } from '../run-collector.js';
import { onShutdown } from '../signals.js';
import { formatSummary } from '../summary.js';

interface CollectFlags {
  config: string;
  once?: boolean;
  logLevel?: string;
  progress: boolean;
}

export function collectCommand(): Command {
  return new Command('collect')
    .description('collect audit records from every configured tenant into the configured outputs')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--once', 'catch up to now for every stream, then exit (default: poll until SIGINT/SIGTERM)')
    .addOption(new Option('--log-level <level>', 'log level (overrides log_level)').choices(LOG_LEVELS))
    .option('--no-progress', 'never draw progress bars (they appear only with --once on a terminal)')
    .action(async (flags: CollectFlags) => {
      process.exitCode = await collect(flags);
    });
}

async function collect(flags: CollectFlags): Promise<number> {
  const ctx = await loadContext(flags.config, flags.logLevel);
  const progress = flags.once === true && flags.progress && process.stderr.isTTY === true;
  // Bars and info lines on one terminal garble each other: only warnings interleave with bars.
  const log = progress && ctx.log.levelVal < 40 ? createLogger({ level: 'warn' }) : ctx.log;
  const shutdown = onShutdown((sig) => log.info({ signal: sig }, 'stopping: flushing and committing'));
  try {
    const { summary, interrupted } = await runCollector(ctx.config, { once: flags.once === true, signal: shutdown.signal, log, progress });
    process.stderr.write(formatSummary(summary, { interrupted }));
    // A stop on request is a clean end: what was delivered is committed, the rest comes next run.
    if (shutdown.received() !== undefined) return EXIT_OK;
    return summary.failedStreams > 0 ? EXIT_FAILURES : EXIT_OK;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${scrub(err.message)}${err.context.path ? ` (at ${String(err.context.path)})` : ''}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof LockHeldError) {
      // Another collector owns this state directory or output file: nothing was collected.
      process.stderr.write(`o365-audit: ${scrub(err.message)}\n`);
      return EXIT_USAGE;
    }
    const code = err instanceof O365AuditError ? err.code : 'O365_ERR_UNEXPECTED';
    log.error({ err, code }, 'collector failed');
    process.stderr.write(`o365-audit: collect failed [${code}]: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_FAILURES;
  } finally {
    shutdown.dispose();
  }
}
