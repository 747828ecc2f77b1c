// Shared state of one `npm run bench`: options, the temp root, the bundled children, and the
// result shape every case returns (one table row, plus details for the JSON).

import type { ChildEntry } from './bundle.js';

export interface BenchOptions {
  quick: boolean;
  /** Run the measured children under `node --cpu-prof` and summarise the top frames. */
  profile: boolean;
  /** Time limit of one measured child, ms. */
  childTimeoutMs: number;
}

export interface BenchContext extends BenchOptions {
  /** Temp folder of this run (deleted at the end). */
  tmp: string;
  /** Folder for CPU profiles (kept: they are what a slow figure is explained with). */
  profileDir: string;
  children: Record<ChildEntry, string>;
  log(line: string): void;
  /** Collector output of the 1M-record run with blobs of 1,000 (the floor reads the same bytes). */
  corpus?: { file: string; records: number };
  /** Floor throughput, for the ratios. */
  floor?: { recordsPerSecond: number; cpuSecondsPerMillion: number };
}

export interface Target {
  text: string;
  /** undefined: not measured. */
  holds: boolean | undefined;
}

export interface CaseResult {
  name: string;
  title: string;
  /** Set when the case did not produce a figure, with the reason. */
  notRun?: string;
  metrics: Record<string, number | string | boolean | null>;
  targets: Target[];
  /** Load averages around the case (1, 5, 15 min). */
  load: { before: number[]; after: number[] };
  at: string;
  profile?: ProfileSummary;
  notes?: string[];
}

export interface ProfileFrame {
  fn: string;
  where: string;
  selfPercent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: ProfileFrame[];
}
