// Logging and redaction: the pino logger on stderr and the helpers that keep secrets out of output.
export { createLogger, toCollectorLogger, REDACT_PATHS, type CreateLoggerOptions, type LogLevelName } from './logger.js';
export { registerSecret, forgetSecret, clearSecrets, scrub, redactUrl, redactValue, redactSecrets, urlForLog } from './redact.js';
export type { Logger } from './types.js';
