// Loads pipelines/*.yml, names them like Fleet does (entry `logs-o365.audit-<version>`, others
// `logs-o365.audit-<version>-<file>`), resolves `{{ IngestPipeline "x" }}` references, and adapts
// processors to the cluster (see processor-compat.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { SetupError } from './http.js';
import { adaptProcessors, type CompatNote } from './processor-compat.js';

export const DATASET = 'o365.audit';
export const ENTRY_FILE = 'default';

export interface PipelineAsset {
  file: string;
  name: string;
  body: Record<string, unknown>;
}

export function entryPipelineName(version: string): string {
  return `logs-${DATASET}-${version}`;
}

export function pipelineName(version: string, file: string): string {
  return file === ENTRY_FILE ? entryPipelineName(version) : `${entryPipelineName(version)}-${file}`;
}

const REF = /\{\{\s*IngestPipeline\s+"([^"]+)"\s*\}\}/g;

function resolveRefs(value: unknown, version: string, known: Set<string>, file: string): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (_m, ref: string) => {
      if (!known.has(ref)) throw new SetupError(`pipelines/${file}.yml refers to pipeline "${ref}", but pipelines/${ref}.yml does not exist`, 'fix the pipeline reference');
      return pipelineName(version, ref);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, version, known, file));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, version, known, file)]));
  }
  return value;
}

/**
 * Reads every pipeline file, resolves references, and adapts processors to `available`.
 * `geoip.yml` is special: where the cluster has no geoip processor it becomes an empty pipeline
 * (the entry pipeline calls it unconditionally).
 */
export function loadPipelines(dir: string, version: string, available: Set<string>): { pipelines: PipelineAsset[]; notes: CompatNote[] } {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    throw new SetupError(`cannot read the pipelines folder ${dir}`, 'reinstall the package', { cause: err });
  }
  const stems = files.map((f) => basename(f).replace(/\.ya?ml$/, ''));
  if (!stems.includes(ENTRY_FILE)) throw new SetupError(`${dir} has no ${ENTRY_FILE}.yml entry pipeline`, 'reinstall the package');
  const known = new Set(stems);
  const notes: CompatNote[] = [];
  const pipelines = files.map((f, i) => {
    const file = stems[i] as string;
    let doc: unknown;
    try {
      doc = parse(readFileSync(join(dir, f), 'utf8'));
    } catch (err) {
      throw new SetupError(`pipelines/${f}: invalid YAML: ${(err as Error).message}`, 'fix the pipeline file', { cause: err });
    }
    if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { processors?: unknown }).processors)) {
      throw new SetupError(`pipelines/${f}: expected a map with a processors list`, 'fix the pipeline file');
    }
    let body = resolveRefs(doc, version, known, file) as Record<string, unknown>;
    if (file === 'geoip' && !available.has('geoip')) {
      body = { description: `${String(body['description'] ?? 'geoip')} (no-op: this cluster has no geoip processor)`, processors: [] };
      notes.push({ processor: 'geoip', action: 'removed', detail: 'this cluster has no geoip processor: source.geo.* and source.as.* are not added' });
    }
    const adapted = adaptProcessors(body, available, `pipelines/${f}`);
    notes.push(...adapted.notes);
    return { file, name: pipelineName(version, file), body: adapted.pipeline };
  });
  // Dedupe notes (the same substitution in several files reads as one).
  const seen = new Set<string>();
  return { pipelines, notes: notes.filter((n) => (seen.has(n.detail) ? false : (seen.add(n.detail), true))) };
}
