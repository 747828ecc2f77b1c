// Shared plumbing of the end-to-end tests: a simulator, a collector config pointing at it, and the
// real CLI run as a child process (`node --import tsx src/cli/main.ts ...` from the repo root).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkExactlyOnce, readDelivered } from '../../src/cli/delivery-check.js';
import type { Simulator } from '../../src/simulator/types.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: o.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

export async function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const { child, done } = spawnCli(args, o);
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

export function tempDir(prefix = 'o365-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ConfigTenant {
  tenantId: string;
  clientId: string;
  /** Written to a secret file unless `inline` is set. */
  secret: string;
  label?: string;
  contentTypes?: string[];
}

/** Writes a collector config for the simulator into `dir`; returns its path. */
export function writeConfig(dir: string, sim: Simulator, tenants: ConfigTenant[], extra = '', o: { initialInterval?: string } = {}): string {
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'ca.pem'), sim.caPem);
  const lines = ['tenants:'];
  tenants.forEach((t, i) => {
    writeFileSync(join(dir, 'secrets', `t${i}.secret`), `${t.secret}\n`, { mode: 0o600 });
    lines.push(`  - tenant_id: ${t.tenantId}`, `    client_id: ${t.clientId}`, `    client_secret_file: secrets/t${i}.secret`);
    lines.push(`    login_url: ${sim.loginUrl}`, `    api_url: ${sim.apiUrl}`);
    if (t.label) lines.push(`    label: ${t.label}`);
    if (t.contentTypes) lines.push(`    content_types: [${t.contentTypes.join(', ')}]`);
  });
  lines.push('ca_file: ca.pem', 'state_dir: state', 'output: { type: file, path: out.ndjson }', `initial_interval: ${o.initialInterval ?? '1d'}`);
  lines.push('retry: { max_attempts: 6, base_delay: 1s, max_delay: 2s }');
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `${lines.join('\n')}\n${extra}`);
  return path;
}

export function simTenants(sim: Simulator): ConfigTenant[] {
  return sim.tenants.map((t, i) => ({ tenantId: t.tenantId, clientId: t.clientId, secret: t.clientSecret, label: `t${i}` }));
}

/** Union of ground truth over every tenant and content type (optionally as of `at`). */
export function allGroundTruth(sim: Simulator, at?: number, skip: (tenantId: string, ct: string) => boolean = () => false): Set<string> {
  const all = new Set<string>();
  for (const t of sim.tenants) for (const ct of t.contentTypes) if (!skip(t.tenantId, ct)) for (const id of sim.groundTruth(t.tenantId, ct, at === undefined ? {} : { at })) all.add(id);
  return all;
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when `cond` holds (polled), or after `timeoutMs` with false. */
export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(everyMs);
  }
  return cond();
}

export const EXACTLY_ONCE = { missing: 0, duplicated: 0, unexpected: 0, malformed: 0 };

/** What the output file holds against the simulator's ground truth (as of `before`, and now). */
export async function exactlyOnceVerdict(s: Simulator, out: string, before: number): Promise<typeof EXACTLY_ONCE> {
  const delivered = await readDelivered(out);
  const v = checkExactlyOnce(delivered, allGroundTruth(s, before), allGroundTruth(s));
  return { missing: v.missing.length, duplicated: v.duplicated.length, unexpected: v.unexpected.length, malformed: delivered.malformed };
}

/**
 * Runs `collect --once` once per step and kills it with SIGKILL: during start-up for a step of 0,
 * else once the output has grown by `step` bytes (unless the run ended first). Returns how many
 * kills landed after output had been written.
 */
export async function killAtOutputSteps(config: string, out: string, steps: number[]): Promise<number> {
  let killsAfterOutput = 0;
  for (const step of steps) {
    const { child, done } = spawnCli(['collect', '--config', config, '--once']);
    let exited = false;
    void done.then(() => (exited = true));
    const start = fileSize(out);
    if (step === 0) await sleep(1500);
    else await waitFor(() => exited || fileSize(out) >= start + step, 120_000, 20);
    if (!exited) {
      child.kill('SIGKILL');
      if (step > 0) killsAfterOutput++;
    }
    await done;
  }
  return killsAfterOutput;
}
