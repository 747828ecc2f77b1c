// What every config-driven command starts with: load the config (an invalid one ends the process
// with exit code 2 and every problem listed) and create the stderr logger at the right level.

import type { Logger as PinoLogger } from 'pino';
import { ConfigError } from '../errors.js';
import { loadConfigFile } from '../config/load.js';
import type { AppConfig, LogLevel } from '../config/types.js';
import { createLogger } from '../logging/logger.js';
import { scrub } from '../logging/redact.js';
import { CliExit, EXIT_USAGE } from './exit-codes.js';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface CommandContext {
  config: AppConfig;
  log: PinoLogger;
}

export async function loadContext(configFile: string | undefined, logLevel?: string, o: { withoutSecrets?: boolean } = {}): Promise<CommandContext> {
  if (configFile === undefined) throw new CliExit(EXIT_USAGE, 'error: --config FILE is required');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new CliExit(EXIT_USAGE, `error: --log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  let config: AppConfig;
  try {
    config = await loadConfigFile(configFile, { withoutSecrets: o.withoutSecrets === true });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliExit(EXIT_USAGE, scrub(err.message));
    throw err;
  }
  const log = createLogger({ level: (logLevel as LogLevel | undefined) ?? config.logLevel });
  for (const w of config.warnings ?? []) log.warn({ config: config.file }, w);
  return { config, log };
}
