// Runs one measured child process: wall time from spawn to exit, its own CPU and peak RSS (the
// child reports process.resourceUsage(); /proc VmHWM is polled too, so a crash or an OOM kill
// still leaves a peak), a time limit, and the tail of its stderr for the report.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ChildUsage {
  /** User + system CPU seconds of the child alone. */
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  /** Peak resident set size, MiB. */
  peakRssMiB: number;
}

export interface ChildRun<R> {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
  usage: ChildUsage | undefined;
  /** Largest VmHWM seen while polling /proc (MiB), a cross-check and the only figure after a crash. */
  polledPeakRssMiB: number;
  result: R | undefined;
  stderrTail: string;
  timedOut: boolean;
}

export interface ChildOptions {
  script: string;
  args?: string[];
  nodeFlags?: string[];
  env?: Record<string, string>;
  timeoutMs: number;
  /** Folder for the result file (the child writes JSON to $BENCH_RESULT). */
  workDir: string;
}

function vmHwmMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

export async function runChild<R extends { usage?: ChildUsage }>(o: ChildOptions): Promise<ChildRun<R>> {
  mkdirSync(o.workDir, { recursive: true });
  const resultFile = join(o.workDir, `result-${process.hrtime.bigint()}.json`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), o.script, ...(o.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...o.env, BENCH_RESULT: resultFile },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    stderr = (stderr + s).slice(-20000);
  });
  let polled = 0;
  const poll = setInterval(() => {
    if (child.pid !== undefined) polled = Math.max(polled, vmHwmMiB(child.pid));
  }, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, o.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('exit', (code, sig) => resolve([code, sig]));
  });
  clearInterval(poll);
  clearTimeout(timer);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let result: R | undefined;
  try {
    result = JSON.parse(await readFile(resultFile, 'utf8')) as R;
  } catch {
    result = undefined;
  }
  rmSync(resultFile, { force: true });
  return { exitCode, signal, wallSeconds, usage: result?.usage, polledPeakRssMiB: Math.round(polled), result, stderrTail: stderr, timedOut };
}

/** For the child side: its own CPU and peak RSS, from the kernel's rusage. */
export function ownUsage(): ChildUsage {
  const ru = process.resourceUsage();
  const user = ru.userCPUTime / 1e6;
  const system = ru.systemCPUTime / 1e6;
  // ru_maxrss is in kilobytes on Linux.
  return { cpuSeconds: round3(user + system), userSeconds: round3(user), systemSeconds: round3(system), peakRssMiB: Math.round(ru.maxRSS / 1024) };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
