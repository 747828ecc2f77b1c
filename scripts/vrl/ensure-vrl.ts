// Returns the path of the official VRL CLI (crate `vrl` 0.38.0, feature `cli`), building it with
// cargo into ${O365_AUDIT_CACHE:-$HOME/.cache/o365-audit}/vrl-0.38.0 only when it is missing. Used
// by the Vector parity test; run directly (`npx tsx scripts/vrl/ensure-vrl.ts`) it prints the path.
// `--background` (npm pretest) starts the build detached and returns at once, so a cold build
// (~11 minutes on two cores) overlaps the tests; ensureVrl() then waits for that build.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** pid file of a background build (next to the cache folder, so cargo's --root stays clean). */
export const buildPidFile = (env: NodeJS.ProcessEnv = process.env): string => `${vrlRoot(env)}.build.pid`;
export const buildLogFile = (env: NodeJS.ProcessEnv = process.env): string => `${vrlRoot(env)}.build.log`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A build this very process started and has not reaped yet is a zombie: finished.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The pid of a background build still running, else undefined (a stale pid file is removed). */
export function runningBuild(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const file = buildPidFile(env);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) return pid;
  rmSync(file, { force: true });
  return undefined;
}

const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Starts `cargo install` detached (output in buildLogFile) unless the binary exists or a build is
 * already running; returns at once. The pid file lets ensureVrl() wait instead of building twice.
 */
export function startVrlBuild(options: { env?: NodeJS.ProcessEnv; log?: (s: string) => void } = {}): 'present' | 'running' | 'started' {
  const env = options.env ?? process.env;
  if (existsSync(vrlBinary(env))) return 'present';
  if (runningBuild(env) !== undefined) return 'running';
  const root = vrlRoot(env);
  mkdirSync(root, { recursive: true });
  const out = openSync(buildLogFile(env), 'w');
  const child = spawn('cargo', ['install', 'vrl', '--version', VRL_VERSION, '--features', 'cli', '--root', root], { env, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.on('error', () => rmSync(buildPidFile(env), { force: true }));
  writeFileSync(buildPidFile(env), String(child.pid ?? ''));
  child.unref();
  (options.log ?? ((s) => process.stderr.write(s)))(`building the VRL CLI ${VRL_VERSION} in the background into ${root} (log: ${buildLogFile(env)})\n`);
  return 'started';
}

/**
 * The cached binary, or a fresh `cargo install` into the cache (a cold build takes 10-40 minutes on
 * a small machine). Throws O365_ERR_VRL_CLI when cargo is absent or the build fails.
 */
export function ensureVrl(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; log?: (s: string) => void } = {}): string {
  const env = options.env ?? process.env;
  const bin = vrlBinary(env);
  if (existsSync(bin)) return bin;
  const building = runningBuild(env);
  if (building !== undefined) {
    (options.log ?? ((s) => process.stderr.write(s)))(`waiting for the background VRL CLI build (pid ${building}, log ${buildLogFile(env)})\n`);
    const deadline = Date.now() + (options.timeoutMs ?? 90 * 60_000);
    // Until the build exits: cargo writes the binary before it exits, so its existence is not enough.
    while (runningBuild(env) !== undefined) {
      if (!existsSync(bin) && Date.now() > deadline) throw new O365AuditError('O365_ERR_VRL_CLI', `the background VRL CLI build (pid ${building}) did not finish in time; see ${buildLogFile(env)}`, { context: { bin } });
      sleepSync(existsSync(bin) ? 500 : 2000);
    }
    if (existsSync(bin)) return bin;
    const tail = existsSync(buildLogFile(env)) ? readFileSync(buildLogFile(env), 'utf8').trimEnd().split('\n').slice(-20).join('\n') : '';
    throw new O365AuditError('O365_ERR_VRL_CLI', `the background build of the VRL CLI ${VRL_VERSION} failed; last lines of ${buildLogFile(env)}:\n${tail}`, { context: { bin } });
  }
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
    if (process.argv.includes('--background')) process.stdout.write(`VRL CLI: ${startVrlBuild()}\n`);
    else process.stdout.write(`${ensureVrl()}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
