// The `o365-audit` command tree (commander). Our commands plus those other modules provide
// (simulator, validate, setup), added explicitly so importing this file has no side effects.

import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { setupCommand } from '../integration/setup/index.js';
import { validateCommand } from '../integration/validate/index.js';
import { simulatorCommand } from '../simulator/command.js';
import { checkCommand } from './commands/check.js';
import { collectCommand } from './commands/collect.js';
import { demoCommand } from './commands/demo.js';
import { replayCommand } from './commands/replay.js';
import { stateCommand } from './commands/state.js';

export const VERSION: string = pkg.version;

export function buildProgram(): Command {
  const program = new Command('o365-audit')
    .description('Collect Microsoft 365 (Office 365) audit logs from the Management Activity API, exactly once, with no gaps.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  program.addCommand(collectCommand());
  program.addCommand(checkCommand());
  program.addCommand(stateCommand());
  program.addCommand(replayCommand());
  program.addCommand(demoCommand());
  program.addCommand(simulatorCommand());
  program.addCommand(validateCommand());
  program.addCommand(setupCommand());
  // Usage errors exit 2 everywhere (commander's default is 1, which we reserve for run failures).
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

export { CommanderError };
