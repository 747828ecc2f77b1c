// Entry point of the `o365-audit` binary: runs the command tree and maps outcomes to exit codes
// (0 ok, 1 finished with failures, 2 config/usage error). Messages are scrubbed of secrets.

import { ConfigError } from '../errors.js';
import { scrub } from '../logging/redact.js';
import { CliExit, EXIT_FAILURES, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { buildProgram, CommanderError } from './program.js';

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${scrub(err.message)}\n`);
      return EXIT_USAGE;
    }
    const code = (err as { code?: unknown }).code;
    process.stderr.write(`o365-audit: ${typeof code === 'string' ? `[${code}] ` : ''}${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_FAILURES;
  }
}

// Last resort: an error escaping every handler is reported scrubbed (no stack with secrets) and
// ends the process with 1; committed progress is safe, uncommitted work is fetched again.
const fatal = (err: unknown) => {
  process.stderr.write(`o365-audit: unexpected error: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(EXIT_FAILURES);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

const code = await main();
// Let pending stderr writes drain, then exit (open handles such as keep-alive sockets must not hold the process).
process.exitCode = code;
setImmediate(() => process.exit(code));
