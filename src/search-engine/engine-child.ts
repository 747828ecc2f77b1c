// The supervision of a search node's process, shared by both starters (engine-runner.ts: the
// embedded runners in one JVM; elastic-distribution.ts: Elastic's integ-test-zip): spawning it with
// its output in <home>/runner.log and a tail of lines in memory, the reason it exited, stopping it,
// the "did not come up" error with the node's log tail, and the RunningEngine with its stop().
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { O365AuditError } from '../errors.js';
import type { EngineId, EngineKind, EngineSpec } from './matrix.js';

export interface RunningEngine {
  url: string;
  id: EngineId;
  kind: EngineKind;
  version: string;
  /** Whether the geoip processor was installed with the test databases. */
  geoip: boolean;
  /** Node home (config, data, logs); deleted by stop(). */
  home: string;
  stop(): Promise<void>;
}

export function engineError(message: string, context: Record<string, string | number | undefined> = {}, cause?: unknown): O365AuditError {
  return new O365AuditError('O365_ERR_ENGINE', message, { context, cause });
}

export interface EngineChild {
  /** The last 60 non-empty lines of the node's stdout and stderr. */
  tail: string[];
  /** Why the process ended (failed to start or exited), undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM, SIGKILL if it has not exited after killAfterMs, then closes the log file. */
  stop(): Promise<void>;
}

export interface EngineChildOptions {
  cmd: string;
  args: string[];
  /** Where the node's stdout and stderr are written. */
  logFile: string;
  /** How the command is named when it fails to start; default cmd. */
  name?: string;
  /** Run in its own process group and signal the whole group (a launcher script and its JVM). */
  group?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL; default 15 s. */
  killAfterMs?: number;
  /** Sees every non-empty output line. */
  onLine?: (line: string) => void;
}

export function spawnEngineChild(options: EngineChildOptions): EngineChild {
  const logStream = createWriteStream(options.logFile);
  const tail: string[] = [];
  const child = spawn(options.cmd, options.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.group === true });
  const signal = (sig: NodeJS.Signals): void => {
    if (options.group !== true) {
      child.kill(sig);
      return;
    }
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const onData = (d: Buffer): void => {
    logStream.write(d);
    for (const line of d.toString().split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 60) tail.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exitReason: string | undefined;
  child.on('error', (err) => (exitReason = `${options.name ?? options.cmd} failed to start: ${err.message}`));
  child.on('exit', (code, sig) => (exitReason ??= `the node process exited (code ${code}, signal ${sig})`));
  // Never leave a JVM behind if this process ends without calling stop().
  const killOnExit = (): void => signal('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), options.killAfterMs ?? 15_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((r) => logStream.end(r));
  };
  return { tail, exitReason: () => exitReason, stop };
}

/**
 * The last lines of each log file in a node's logs folder (most errors go there, not to stdout),
 * without the deprecation, slow and audit logs. `_audit`, not `audit`: the cluster, and so its
 * main log, is named o365-audit-test-….
 */
export function nodeLogTail(logsDir: string, lines: number): string[] {
  if (!existsSync(logsDir)) return [];
  return readdirSync(logsDir)
    .filter((f) => f.endsWith('.log') && !/deprecation|slowlog|_audit/.test(f))
    .flatMap((f) => [`--- ${f} ---`, ...readFileSync(join(logsDir, f), 'utf8').trimEnd().split('\n').slice(-lines)]);
}

/** Stops the child, deletes the node's home and returns the error with the output and log tails. */
export async function notUpError(child: EngineChild, spec: EngineSpec, port: number, logsDir: string, cleanup: () => void, err: unknown): Promise<O365AuditError> {
  await child.stop();
  const lastLines = [...child.tail.slice(-30), ...nodeLogTail(logsDir, 30)].join('\n');
  cleanup();
  return engineError(`${spec.kind} ${spec.version} node did not come up: ${(err as Error).message}\n--- node log tail ---\n${lastLines}`, { kind: spec.kind, port }, err);
}

/** The started node; its stop() (idempotent) stops the child and then deletes the home. */
export function runningEngine(engine: Omit<RunningEngine, 'stop'>, child: EngineChild, cleanup: () => void): RunningEngine {
  let stopped = false;
  return {
    ...engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      await child.stop();
      cleanup();
    },
  };
}
