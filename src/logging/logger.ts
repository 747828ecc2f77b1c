// The process logger: pino, structured JSON on stderr (stdout is reserved for records when the
// output is stdout). Quiet by default: info on start/stop, warn/error for the unexpected. Secret
// fields are removed by path and every message/error text is scrubbed of registered secrets.

import pino, { type Logger as PinoLogger } from 'pino';
import type { Logger } from './types.js';
import { redactValue, scrub } from './redact.js';

export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Paths pino removes wherever they appear (one level of nesting, the shapes we log). */
export const REDACT_PATHS: readonly string[] = [
  'secret', 'clientSecret', 'client_secret', 'password', 'token', 'accessToken', 'access_token',
  'authorization', 'Authorization', 'assertion', 'clientAssertion', 'privateKey', 'private_key',
  '*.secret', '*.clientSecret', '*.client_secret', '*.password', '*.token', '*.accessToken', '*.access_token',
  '*.authorization', '*.Authorization', '*.assertion', '*.privateKey', '*.private_key',
  'headers.authorization', 'req.headers.authorization', '*.headers.authorization',
];

export interface CreateLoggerOptions {
  level?: LogLevelName;
  /** Where lines go (default: stderr, written synchronously so nothing is lost on exit). */
  destination?: pino.DestinationStream;
  /** Extra fields on every line. */
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'o365-audit', ...options.base },
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Error serialiser with scrubbing: error messages may quote server text.
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error) as unknown as Record<string, unknown>;
          return JSON.parse(scrub(JSON.stringify(s))) as Record<string, unknown>;
        },
      },
      hooks: {
        // Scrub messages too: a secret must never reach a log line, whatever a caller passes.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** The collector's Logger view of a pino logger (structured object first, message second). */
export function toCollectorLogger(log: PinoLogger): Logger {
  const wrap = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: object, msg?: string) => {
    const safe = scrubObject(obj);
    if (msg === undefined) log[level](safe);
    else log[level](safe, msg);
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function scrubObject(obj: object): object {
  if (obj instanceof Error) return { err: obj };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    // Nested objects too (a per-document error from a cluster may echo request headers); errors
    // keep their shape for the err serialiser, which scrubs them.
    out[k] = typeof v === 'string' ? scrub(v) : v instanceof Error || v === null || typeof v !== 'object' ? v : redactValue(v);
  }
  return out;
}
