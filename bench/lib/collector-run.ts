// One measured collector pass: simulator in this process, the collector child (bundled, `--once`)
// in another, optionally under --cpu-prof. Shared by the end-to-end, huge-blob and tenants benches.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorOptions, SimStats } from '../../src/simulator/index.js';
import type { CollectorChildResult } from '../children/collector-child.js';
import { repoRoot } from './bundle.js';
import { runChild, type ChildRun } from './child.js';
import type { BenchContext, ProfileSummary } from './context.js';
import { newestProfile, summariseProfile } from './cpuprofile.js';
import { startSimRun, type CollectorConfigExtras } from './sim.js';

export interface CollectorPass {
  run: ChildRun<CollectorChildResult>;
  result: CollectorChildResult;
  simStats: SimStats;
  simCpuSeconds: number;
  outputFile: string;
  profile?: ProfileSummary;
}

export async function collectorPass(
  ctx: BenchContext,
  name: string,
  simOptions: SimulatorOptions,
  extras: CollectorConfigExtras,
  o: { keepOutput?: boolean; profile?: boolean } = {},
): Promise<CollectorPass> {
  const dir = join(ctx.tmp, name);
  rmSync(dir, { recursive: true, force: true });
  const s = await startSimRun(dir, simOptions, extras);
  const profile = o.profile ?? ctx.profile;
  const profDir = join(ctx.profileDir, name);
  if (profile) {
    rmSync(profDir, { recursive: true, force: true });
    mkdirSync(profDir, { recursive: true });
  }
  let run: ChildRun<CollectorChildResult>;
  try {
    run = await runChild<CollectorChildResult>({
      script: ctx.children['collector-child'],
      args: [s.configFile],
      nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
      timeoutMs: ctx.childTimeoutMs,
      workDir: dir,
    });
  } finally {
    await s.sim.close();
  }
  const simStats = s.sim.stats();
  const simCpuSeconds = s.cpuSeconds();
  if (!o.keepOutput) rmSync(s.outputFile, { force: true });
  rmSync(join(dir, 'state'), { recursive: true, force: true });
  if (run.result === undefined) {
    const why = run.timedOut ? `timed out after ${ctx.childTimeoutMs / 1000} s` : `exit ${run.exitCode ?? run.signal ?? '?'}`;
    throw new Error(`collector child ${why}; peak RSS seen ${run.polledPeakRssMiB} MiB; stderr: ${run.stderrTail}`);
  }
  const pass: CollectorPass = { run, result: run.result, simStats, simCpuSeconds, outputFile: s.outputFile };
  if (profile) {
    const f = newestProfile(profDir);
    if (f !== undefined) pass.profile = summariseProfile(f, repoRoot);
  }
  return pass;
}
