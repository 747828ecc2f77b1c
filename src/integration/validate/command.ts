// `o365-audit validate FILE [--kind record|document] [--json]`: checks an NDJSON file of raw
// records or output documents against the schemas. Exit 0 all valid, 1 some line invalid,
// 2 the file could not be read (or no schema for that kind).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { Command, Option } from 'commander';
import type { SchemaObject } from '../../generated/schemas.js';
import { validateNdjson, type Issue } from './ndjson.js';
import type { ValidationKind } from './validator.js';

export interface ValidateIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface RunValidateOptions {
  kind?: ValidationKind | 'auto';
  json?: boolean;
  schemas?: { record?: SchemaObject; document?: SchemaObject };
}

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNREADABLE = 2;

function formatIssue(issue: Issue): string {
  const where = issue.path === '' ? '(line)' : issue.path;
  const id = issue.recordId ? ` [Id ${issue.recordId}]` : '';
  return `line ${issue.line} (${issue.kind}): ${where}: ${issue.reason}${id}\n`;
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}

async function openInput(file: string, io: ValidateIo): Promise<Readable> {
  if (file === '-') return io.stdin;
  // Checked up front so a missing file or a folder exits 2 before any output.
  const info = await stat(file);
  if (info.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
  return createReadStream(file);
}

/** What the command does, with its streams passed in (tests call this). Resolves to the exit code. */
export async function runValidate(file: string, options: RunValidateOptions, io: ValidateIo): Promise<number> {
  const name = file === '-' ? 'stdin' : file;
  let input: Readable;
  try {
    input = await openInput(file, io);
  } catch (error) {
    await write(io.stderr, `o365-audit validate: cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return EXIT_UNREADABLE;
  }
  const run = validateNdjson(input, { kind: options.kind, schemas: options.schemas });
  try {
    for await (const issue of run) {
      await write(io.stdout, options.json ? `${JSON.stringify(issue)}\n` : formatIssue(issue));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'O365_ERR_VALIDATE_SCHEMA' ? (error as Error).message : (code ?? (error as Error).message);
    await write(io.stderr, `o365-audit validate: cannot read ${name}: ${reason}\n`);
    return EXIT_UNREADABLE;
  }
  const { lines, blank, valid, invalid } = run.counts;
  if (options.json) await write(io.stdout, `${JSON.stringify({ summary: { file: name, lines, blank, valid, invalid } })}\n`);
  else await write(io.stdout, `${name}: ${lines} line(s), ${valid} valid, ${invalid} invalid${blank ? `, ${blank} blank` : ''}\n`);
  return invalid > 0 ? EXIT_INVALID : EXIT_VALID;
}

/** The `validate` sub-command, for the main CLI to add with `program.addCommand(validateCommand())`. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('Check an NDJSON file of raw audit records or output documents against the schemas (exit 1 if a line is invalid, 2 if the file cannot be read)')
    .argument('<file>', 'NDJSON file to check, or - for standard input')
    .addOption(new Option('--kind <kind>', 'schema to check every line against (default: detected per line)').choices(['record', 'document']))
    .option('--json', 'print each issue and the summary as JSON lines')
    .action(async (file: string, opts: { kind?: ValidationKind; json?: boolean }) => {
      process.exitCode = await runValidate(file, { kind: opts.kind, json: opts.json === true }, process);
    });
}
