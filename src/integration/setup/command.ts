// `o365-audit setup`: installs pipelines, templates and lifecycle policy into a cluster and says
// what it installed in plain words. Exit status (README "setup"): 0 everything installed, 3 what the
// cluster supports is installed and the rest is listed under "Not installed" with the reason,
// 1 failure with the reason and a hint. Never prints credentials.
import { Command, Option } from 'commander';
import { O365AuditError } from '../../errors.js';
import { readCaFile, SetupError, type SetupAuth } from './http.js';
import { setup, type SetupResult } from './setup.js';

export interface SetupCliOptions {
  esUrl: string;
  apiKey?: string;
  username?: string;
  password?: string;
  ca?: string;
  namespace?: string;
}

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export function formatSetupResult(r: SetupResult): string {
  const lines = [`${r.cluster.distribution} ${r.cluster.version}: o365-audit ${r.version} ${r.upToDate ? 'already installed, everything up to date' : 'installed'}`];
  for (const a of r.assets) lines.push(`  ${a.kind} ${a.name}: ${a.status}`);
  lines.push(`Documents go to ${r.target}.`);
  for (const n of r.notes) lines.push(`Note: ${n}`);
  if (r.notInstalled.length > 0) {
    lines.push('Not installed (this cluster cannot hold them):');
    for (const m of r.notInstalled) lines.push(`  ${m.kind} ${m.name}: ${m.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function authFrom(opts: SetupCliOptions): SetupAuth | undefined {
  if (opts.apiKey !== undefined && (opts.username !== undefined || opts.password !== undefined)) {
    throw new SetupError('give either --api-key or --username/--password, not both', 'pick one way to authenticate');
  }
  if (opts.apiKey !== undefined) return { apiKey: opts.apiKey };
  if ((opts.username === undefined) !== (opts.password === undefined)) throw new SetupError('--username and --password go together', 'give both');
  if (opts.username !== undefined && opts.password !== undefined) return { username: opts.username, password: opts.password };
  return undefined;
}

/** Exit status when setup installed what the cluster supports but not everything (see notInstalled). */
export const EXIT_SETUP_PARTIAL = 3;

/** Runs setup for the CLI; returns the exit code (0 complete, 3 partial, 1 failed). */
export async function runSetup(opts: SetupCliOptions, io: Io = process): Promise<number> {
  try {
    const result = await setup({
      url: opts.esUrl,
      auth: authFrom(opts),
      caPem: opts.ca === undefined ? undefined : readCaFile(opts.ca),
      namespace: opts.namespace,
    });
    io.stdout.write(formatSetupResult(result));
    return result.complete ? 0 : EXIT_SETUP_PARTIAL;
  } catch (err) {
    if (err instanceof O365AuditError) {
      const hint = typeof err.context['hint'] === 'string' ? `\n  hint: ${err.context['hint']}` : '';
      io.stderr.write(`o365-audit setup failed: ${err.message}${hint}\n`);
    } else {
      io.stderr.write(`o365-audit setup failed: ${(err as Error).message}\n`);
    }
    return 1;
  }
}

export function setupCommand(): Command {
  return new Command('setup')
    .description('Install the ingest pipelines, index templates and lifecycle policy for logs-o365.audit-* into Elasticsearch or OpenSearch')
    .requiredOption('--es-url <url>', 'cluster URL, e.g. https://localhost:9200')
    .option('--api-key <key>', 'API key (Elasticsearch, base64 id:key as shown by Kibana); or set O365_AUDIT_ES_API_KEY')
    .option('--username <user>', 'user name for basic authentication')
    .addOption(new Option('--password <password>', 'password for basic authentication; or set O365_AUDIT_ES_PASSWORD').env('O365_AUDIT_ES_PASSWORD'))
    .option('--ca <file>', 'PEM file of the CA that signed the cluster certificate')
    .option('--namespace <name>', 'data stream namespace you write to', 'default')
    .action(async (opts: SetupCliOptions) => {
      const apiKey = opts.apiKey ?? process.env['O365_AUDIT_ES_API_KEY'];
      process.exitCode = await runSetup({ ...opts, apiKey });
    });
}
