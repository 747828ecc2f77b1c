// The logger every layer writes to: a pino-compatible subset, so tests pass a plain object and the
// CLI passes pino. Logging is the ground floor: this folder imports nothing else of the project.

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
