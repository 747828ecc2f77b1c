// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top N, so a slow
// figure in the report comes with where the time went.

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProfileFrame, ProfileSummary } from './context.js';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The newest .cpuprofile in `dir`, or undefined. */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  files.sort();
  const last = files.at(-1);
  return last === undefined ? undefined : join(dir, last);
}

export function summariseProfile(file: string, root: string, topN = 12): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const n = byId.get(id);
    if (n === undefined) return;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url === '' ? '' : `${shortUrl(url, root)}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}\u0000${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top: ProfileFrame[] = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([k, us]) => {
      const [fn = '', where = ''] = k.split('\u0000');
      return { fn, where, selfPercent: Math.round((us / Math.max(1, total)) * 1000) / 10 };
    });
  return { file: relative(root, file), totalMs: Math.round(total / 1000), top };
}

function shortUrl(url: string, root: string): string {
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  return path.startsWith(root) ? relative(root, path) : path.replace(/^.*node_modules\//, 'node_modules/');
}
