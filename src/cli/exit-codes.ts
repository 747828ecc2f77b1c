// Process exit codes of the CLI (public contract, documented in the README).
export const EXIT_OK = 0;
/** The run finished, but some streams or tenants failed (the summary names them). */
export const EXIT_FAILURES = 1;
/** The config file or the command line is invalid; nothing was collected. */
export const EXIT_USAGE = 2;

/** Thrown by command actions to end the process with a code after printing `message` (if any). */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
