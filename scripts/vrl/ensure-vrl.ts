// Returns the path of the official VRL CLI (crate `vrl` 0.38.0, feature `cli`), building it with
// cargo into ${O365_AUDIT_CACHE:-$HOME/.cache/o365-audit}/vrl-0.38.0 only when it is missing. Used
// by the Vector parity test; run directly (`npx tsx scripts/vrl/ensure-vrl.ts`) it prints the path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { O365AuditError } from '../../src/errors.js';

export const VRL_VERSION = '0.38.0';

export function vrlRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.O365_AUDIT_CACHE || join(homedir(), '.cache', 'o365-audit'), `vrl-${VRL_VERSION}`);
}

export function vrlBinary(env: NodeJS.ProcessEnv = process.env): string {
  return join(vrlRoot(env), 'bin', 'vrl');
}

/**
 * The cached binary, or a fresh `cargo install` into the cache (a cold build takes 10-40 minutes on
 * a small machine). Throws O365_ERR_VRL_CLI when cargo is absent or the build fails.
 */
export function ensureVrl(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; log?: (s: string) => void } = {}): string {
  const env = options.env ?? process.env;
  const bin = vrlBinary(env);
  if (existsSync(bin)) return bin;
  const cargo = spawnSync('cargo', ['--version'], { env, encoding: 'utf8' });
  if (cargo.error || cargo.status !== 0) {
    throw new O365AuditError(
      'O365_ERR_VRL_CLI',
      `The VRL CLI is not at ${bin} and cargo is not available to build it: install Rust (https://rustup.rs; vrl 0.38 needs rustc >= 1.95), or build it elsewhere with \`cargo install vrl --version ${VRL_VERSION} --features cli --root ${vrlRoot(env)}\``,
      { context: { bin } },
    );
  }
  const root = vrlRoot(env);
  mkdirSync(root, { recursive: true });
  (options.log ?? ((s) => process.stderr.write(s)))(`building the VRL CLI ${VRL_VERSION} into ${root} (cargo install; this takes a while)\n`);
  const run = spawnSync('cargo', ['install', 'vrl', '--version', VRL_VERSION, '--features', 'cli', '--root', root], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: options.timeoutMs ?? 90 * 60_000,
  });
  if (run.error || run.status !== 0 || !existsSync(bin)) {
    throw new O365AuditError('O365_ERR_VRL_CLI', `cargo install vrl ${VRL_VERSION} failed (${run.error?.message ?? `exit ${run.status}`}); see its output above`, {
      context: { root },
      cause: run.error,
    });
  }
  return bin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${ensureVrl()}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
