// Where the package's pipelines live, and their processor counts (docs/ecs-coverage.md, reports).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const PIPELINES_DIR = new URL('../../../pipelines/', import.meta.url).pathname;

/** Counts processors per pipeline file, including those nested in foreach and on_failure blocks. */
export function countProcessors(dir = PIPELINES_DIR): Record<string, { top: number; nested: number }> {
  const out: Record<string, { top: number; nested: number }> = {};
  const nested = (procs: unknown[]): number => {
    let n = 0;
    for (const p of procs as Record<string, Record<string, unknown>>[]) {
      const body = Object.values(p)[0] ?? {};
      const inner = [...((body.on_failure as unknown[]) ?? [])];
      if (body.processor) inner.push(body.processor);
      n += inner.length + nested(inner);
    }
    return n;
  };
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yml')).sort()) {
    const y = parse(readFileSync(join(dir, f), 'utf8')) as { processors: unknown[]; on_failure?: unknown[] };
    out[f] = { top: y.processors.length, nested: nested(y.processors) + (y.on_failure?.length ?? 0) };
  }
  return out;
}
