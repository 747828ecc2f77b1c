// Loads pipelines/*.yml and resolves `{{ IngestPipeline "x" }}` references to installed names, so
// the pipeline tests can install the package's pipelines on a node without the setup command.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const PIPELINES_DIR = new URL('../../../pipelines/', import.meta.url).pathname;

export interface PipelineSet {
  entry: string;
  bodies: Map<string, Record<string, unknown>>;
}

const REF = /\{\{\s*IngestPipeline\s+"([a-z0-9_-]+)"\s*\}\}/g;

/** Installed name of pipeline file `file` (without .yml) under `prefix`; default.yml is the prefix itself. */
export function pipelineName(prefix: string, file: string): string {
  return file === 'default' ? prefix : `${prefix}-${file}`;
}

/**
 * With `geoip: false` (tests, or nodes without the geoip processor) geoip.yml is replaced by an empty
 * pipeline of the same name, as the setup command does.
 */
export function loadPipelines(prefix: string, opts: { geoip?: boolean; dir?: string } = {}): PipelineSet {
  const dir = opts.dir ?? PIPELINES_DIR;
  const bodies = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yml')).sort()) {
    const file = f.slice(0, -4);
    const text = readFileSync(join(dir, f), 'utf8').replace(REF, (_m, ref: string) => pipelineName(prefix, ref));
    const body = parse(text) as Record<string, unknown>;
    if (file === 'geoip' && !opts.geoip) body.processors = [];
    bodies.set(pipelineName(prefix, file), body);
  }
  return { entry: prefix, bodies };
}

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
