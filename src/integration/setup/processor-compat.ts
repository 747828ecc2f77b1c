// Rewrites pipeline processors the cluster lacks into equivalents it has. Known gaps (probed on
// ES 7.10.2 OSS and OpenSearch 2.19.1): `set.copy_from` (ES ≥ 7.11 only) → painless deep copy;
// `geoip` → removed (optional enrichment). Anything else missing is an error naming the processor:
// installing a pipeline that fails on every document would be worse than refusing.
import { SetupError } from './http.js';

export interface CompatNote {
  processor: string;
  action: 'replaced' | 'removed';
  detail: string;
}

type Processor = Record<string, Record<string, unknown>>;

// Painless equivalent of `set` with `copy_from`: deep-copies maps and lists (as ES does), honours
// `override: false` and `ignore_empty_value`, and fails on a missing source like set does.
const COPY_FROM_SCRIPT = `
def get(def m, String path) { def cur = m; for (String p : path.splitOnToken('.')) { if (!(cur instanceof Map) || !cur.containsKey(p)) { return null; } cur = cur.get(p); } return cur; }
def deep(def v) { if (v instanceof Map) { Map r = new LinkedHashMap(); for (def e : v.entrySet()) { r.put(e.getKey(), deep(e.getValue())); } return r; } if (v instanceof List) { List r = new ArrayList(); for (def x : v) { r.add(deep(x)); } return r; } return v; }
def v = get(ctx, params.from);
if (params.ignore_empty && (v == null || (v instanceof String && v.isEmpty()))) { return; }
if (v == null) { throw new IllegalArgumentException('field [' + params.from + '] not present as part of path [' + params.from + ']'); }
String[] parts = params.to.splitOnToken('.');
def cur = ctx;
for (int i = 0; i < parts.length - 1; i++) { if (!(cur.get(parts[i]) instanceof Map)) { cur.put(parts[i], new HashMap()); } cur = cur.get(parts[i]); }
String last = parts[parts.length - 1];
if (params.override == false && cur.get(last) != null) { return; }
cur.put(last, deep(v));
`.trim();

const COMMON_KEYS = ['if', 'tag', 'description', 'ignore_failure', 'on_failure'];

function pick(src: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
}

function adaptOne(proc: Processor, available: Set<string>, where: string, notes: CompatNote[]): Processor | undefined {
  const entries = Object.entries(proc);
  if (entries.length !== 1) throw new SetupError(`${where}: a processor must have exactly one type, found ${entries.map(([k]) => k).join(', ')}`, 'fix the pipeline file');
  const [type, rawConfig] = entries[0] as [string, Record<string, unknown>];
  const config = { ...rawConfig };
  if (Array.isArray(config['on_failure'])) config['on_failure'] = adaptList(config['on_failure'] as Processor[], available, where, notes);
  if (type === 'foreach' && config['processor'] !== undefined) {
    const inner = adaptOne(config['processor'] as Processor, available, where, notes);
    if (inner === undefined) return undefined;
    config['processor'] = inner;
  }
  if (available.size === 0) return { [type]: config }; // nothing known about the cluster: leave as is

  if (type === 'set' && config['copy_from'] !== undefined) {
    // Clusters do not report which processor options they accept, so copy_from is always
    // rewritten: the script gives the same result everywhere and needs no version table.
    notes.push({ processor: 'set', action: 'replaced', detail: 'set with copy_from is replaced by an equivalent painless script (copy_from needs Elasticsearch 7.11+)' });
    return {
      script: {
        ...pick(config, COMMON_KEYS),
        lang: 'painless',
        source: COPY_FROM_SCRIPT,
        params: { from: config['copy_from'], to: config['field'], override: config['override'] ?? true, ignore_empty: config['ignore_empty_value'] ?? false },
      },
    };
  }
  if (available.has(type)) return { [type]: config };
  if (type === 'geoip') {
    notes.push({ processor: 'geoip', action: 'removed', detail: 'this cluster has no geoip processor: source.geo.* and source.as.* are not added' });
    return undefined;
  }
  throw new SetupError(`${where}: the cluster has no "${type}" ingest processor and setup knows no equivalent`, 'use a cluster with this processor (Elasticsearch 8.x has all of them), or report this as a bug');
}

function adaptList(list: Processor[], available: Set<string>, where: string, notes: CompatNote[]): Processor[] {
  return list.map((p) => adaptOne(p, available, where, notes)).filter((p): p is Processor => p !== undefined);
}

/** Adapts a pipeline body (processors and on_failure) to the processor types in `available`. */
export function adaptProcessors(pipeline: Record<string, unknown>, available: Set<string>, where: string): { pipeline: Record<string, unknown>; notes: CompatNote[] } {
  const notes: CompatNote[] = [];
  const out: Record<string, unknown> = { ...pipeline, processors: adaptList(pipeline['processors'] as Processor[], available, where, notes) };
  if (Array.isArray(pipeline['on_failure'])) out['on_failure'] = adaptList(pipeline['on_failure'] as Processor[], available, where, notes);
  return { pipeline: out, notes };
}

export { COPY_FROM_SCRIPT };
