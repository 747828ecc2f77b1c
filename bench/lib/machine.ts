// What a benchmark figure was measured on: CPU, cores, memory, OS, Node, and how busy the machine
// was (load average), because on a shared 2-core box the load moves every number.

import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAtStart: [number, number, number];
}

function cpuModel(): string {
  const model = cpus()[0]?.model?.trim();
  if (model !== undefined && model !== '') return model;
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function load(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [round2(a), round2(b), round2(c)];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAtStart: load(),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
