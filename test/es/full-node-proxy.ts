// A loopback HTTP proxy in front of a real Elasticsearch node that adds, where the node lacks them,
// the parts Elastic's integ-test-zip leaves out and a default distribution has: ingest processor
// types, ILM and the data-stream API. No such node can be had on this machine (README, "Which
// Elasticsearch and OpenSearch are tested"), and a plain fake answering `acknowledged: true`
// proves nothing about what Elasticsearch accepts. Here every request reaches the real node, and
// the emulation only does what the missing module would do, so whatever the real node refuses
// (a mapping, a setting, a template, the data stream made from it) is still refused:
//
// - ingest: the node has the pipeline API (storage, what GET answers, 404s) but no processor
//   types. The proxy checks each processor type against the ones a default distribution registers
//   (those our pipelines use) as Elasticsearch does, stores the pipeline on the real node with its
//   processors held here, and puts them back into GET answers. It is stored under a name of the
//   proxy's (STORED_PREFIX + id): an index on the shared node may name the package's pipeline as
//   its default (the upgrade test's previous-release template does), and Elasticsearch refuses to
//   delete a pipeline an index names, so under its own name it could never be cleaned away.
// - ILM: the module serves /_ilm/* and registers the index setting `index.lifecycle.name`; without
//   it the node refuses that setting as unknown ("please check that any required plugins are
//   installed"). With it the setting is a plain string (LifecycleSettings.LIFECYCLE_NAME_SETTING,
//   Setting.simpleString: no validator; ILM looks the policy up only when it runs), so the proxy
//   holds back exactly that one key from templates and puts it back into GET answers. Every other
//   key goes to the node as sent: a misspelt or unknown setting is refused there.
// - data-stream API: PUT/GET /_data_stream/<name>. Creation goes through the node's own
//   auto-create path (the same data-stream creation from the matching template that the API runs).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Every processor type the shipped pipelines use (walks pipelines/*.yml). */
export function shippedProcessorTypes(): string[] {
  const types = new Set<string>(['geoip']);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'processors' || k === 'on_failure') for (const p of x as Array<Record<string, unknown>>) { types.add(Object.keys(p)[0]!); walk(Object.values(p)[0]); }
        else if (k === 'processor') { types.add(Object.keys(x as object)[0]!); walk(Object.values(x as object)[0]); }
      }
    }
  };
  const dir = new URL('../../pipelines/', import.meta.url).pathname;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) walk(parse(readFileSync(join(dir, f), 'utf8')));
  return [...types];
}

/** Prefix of the names the proxy stores pipelines under on the real node. */
export const STORED_PREFIX = 'o365-audit-proxy--';

export interface FullNodeProxy {
  url: string;
  /** The parts the real node lacks, and the proxy therefore adds. */
  emulated: { ingest: boolean; ilm: boolean; dataStreamApi: boolean };
  /** Processors and on_failure of each pipeline, held here (the node stored the rest). */
  heldProcessors: Map<string, { processors: unknown; on_failure?: unknown }>;
  /** `index.lifecycle.name` held back from templates, by "component_template/<name>" or "index_template/<name>". */
  heldLifecycle: Map<string, string>;
  /** ILM policies as stored. */
  policies: Map<string, { version: number; modified_date: string; policy: Record<string, unknown> }>;
  close(): Promise<void>;
}

interface Answer { status: number; body: unknown }

type Json = Record<string, any>;

function esError(status: number, type: string, reason: string, extra: Json = {}): Answer {
  const cause = { type, reason, ...extra };
  return { status, body: { error: { root_cause: [cause], ...cause }, status } };
}

// Phases and the actions each allows (Elasticsearch's TimeseriesLifecycleType).
const ILM_ACTIONS: Record<string, string[]> = {
  hot: ['set_priority', 'unfollow', 'rollover', 'readonly', 'downsample', 'shrink', 'forcemerge', 'searchable_snapshot'],
  warm: ['set_priority', 'unfollow', 'readonly', 'downsample', 'allocate', 'migrate', 'shrink', 'forcemerge'],
  cold: ['set_priority', 'unfollow', 'readonly', 'downsample', 'searchable_snapshot', 'allocate', 'migrate'],
  frozen: ['unfollow', 'searchable_snapshot'],
  delete: ['wait_for_snapshot', 'delete'],
};

function invalidPolicy(body: Json | undefined): string | undefined {
  const phases = body?.['policy']?.['phases'];
  if (phases === null || typeof phases !== 'object') return 'policy.phases is required';
  for (const [phase, def] of Object.entries(phases as Json)) {
    const allowed = ILM_ACTIONS[phase];
    if (allowed === undefined) return `Timeseries lifecycle does not support phase [${phase}]`;
    for (const [action, config] of Object.entries((def as Json)['actions'] ?? {})) {
      if (!allowed.includes(action)) return `invalid action [${action}] defined in phase [${phase}]`;
      if (action === 'rollover' && !Object.keys(config as Json).some((c) => c.startsWith('max_'))) return 'At least one max_* rollover condition must be set.';
    }
  }
  return undefined;
}

/** The processor types a pipeline body uses that `known` lacks (first one), like Elasticsearch's parse check. */
function unknownProcessor(list: unknown, known: Set<string>): string | undefined {
  for (const p of Array.isArray(list) ? (list as Json[]) : []) {
    const [type, config] = Object.entries(p)[0] ?? [];
    if (type === undefined) continue;
    if (!known.has(type)) return type;
    const inner = unknownProcessor((config as Json)?.['on_failure'], known) ?? (type === 'foreach' ? unknownProcessor([(config as Json)['processor']], known) : undefined);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function lifecycleOf(settings: Json | undefined): { name?: string; rest?: Json } {
  if (settings === undefined) return {};
  if (typeof settings['index.lifecycle.name'] === 'string') {
    const { ['index.lifecycle.name']: name, ...rest } = settings;
    return { name, rest };
  }
  const name = settings['index']?.['lifecycle']?.['name'];
  if (typeof name !== 'string') return {};
  const { name: _n, ...lifecycle } = settings['index']['lifecycle'] as Json;
  const index = { ...settings['index'], lifecycle };
  if (Object.keys(lifecycle).length === 0) delete index['lifecycle'];
  return { name, rest: { ...settings, index } };
}

export async function startFullNodeProxy(target: string): Promise<FullNodeProxy> {
  const forward = async (method: string, path: string, body?: string): Promise<Answer> => {
    const res = await fetch(target + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON: relayed as text */ }
    return { status: res.status, body: parsed };
  };

  const nodes = await forward('GET', '/_nodes/ingest?filter_path=nodes.*.ingest.processors');
  const realTypes = Object.values((nodes.body as Json)?.['nodes'] ?? {}).flatMap((n) => ((n as Json)['ingest']?.['processors'] ?? []).map((p: Json) => p['type'] as string));
  const ilmStatus = await forward('GET', '/_ilm/status');
  const dsProbe = await forward('GET', '/_data_stream/o365-audit-proxy-probe');
  const emulated = {
    // x-pack registers set_security_user even where the ingest modules are missing.
    ingest: realTypes.every((t) => t === 'set_security_user'),
    ilm: ilmStatus.status !== 200,
    dataStreamApi: dsProbe.status === 405 || /no handler found/.test(JSON.stringify(dsProbe.body)),
  };
  const processorTypes = new Set([...realTypes, ...shippedProcessorTypes()]);
  const heldProcessors = new Map<string, { processors: unknown; on_failure?: unknown }>();
  const heldLifecycle = new Map<string, string>();
  const policies = new Map<string, { version: number; modified_date: string; policy: Json }>();

  const resolveDataStream = async (name: string): Promise<{ stream?: { name: string; backing_indices: string[] }; index: boolean }> => {
    const r = await forward('GET', `/_resolve/index/${encodeURIComponent(name)}`);
    const body = r.body as { data_streams?: Array<{ name: string; backing_indices: string[] }>; indices?: Array<{ name: string }> } | undefined;
    return { stream: body?.data_streams?.find((d) => d.name === name), index: body?.indices?.some((i) => i.name === name) ?? false };
  };

  async function ingest(method: string, id: string, query: string, body: Json | undefined): Promise<Answer> {
    const path = `/_ingest/pipeline/${encodeURIComponent(STORED_PREFIX + id)}${query}`;
    if (method === 'PUT') {
      const unknown = unknownProcessor(body?.['processors'], processorTypes) ?? unknownProcessor(body?.['on_failure'], processorTypes);
      if (unknown !== undefined) return esError(400, 'parse_exception', `No processor type exists with name [${unknown}]`, { processor_type: unknown });
      const { processors, on_failure: onFailure, ...rest } = body ?? {};
      // A body without processors goes as it is, for the node to refuse.
      const res = await forward('PUT', path, JSON.stringify(processors === undefined ? rest : { ...rest, processors: [] }));
      if (res.status === 200) heldProcessors.set(id, { processors, ...(onFailure === undefined ? {} : { on_failure: onFailure }) });
      return res;
    }
    const res = await forward(method, path);
    if (method === 'GET' && res.status === 200) {
      res.body = Object.fromEntries(Object.entries(res.body as Json).map(([stored, pipeline]) => {
        const name = stored.slice(STORED_PREFIX.length);
        return [name, { ...(pipeline as Json), ...heldProcessors.get(name) }];
      }));
    }
    if (method === 'DELETE' && res.status === 200) heldProcessors.delete(id);
    return res;
  }

  async function ilmPolicy(method: string, id: string, body: Json | undefined): Promise<Answer> {
    const notFound = (): Answer => esError(404, 'resource_not_found_exception', `Lifecycle policy not found: [${id}]`);
    if (method === 'PUT') {
      const invalid = invalidPolicy(body);
      if (invalid !== undefined) return esError(400, 'illegal_argument_exception', invalid);
      policies.set(id, { version: (policies.get(id)?.version ?? 0) + 1, modified_date: new Date().toISOString(), policy: body!['policy'] });
      return { status: 200, body: { acknowledged: true } };
    }
    const stored = policies.get(id);
    if (stored === undefined) return notFound();
    if (method === 'DELETE') { policies.delete(id); return { status: 200, body: { acknowledged: true } }; }
    // in_use_by is left out: nothing here reads it, and the proxy could only guess it.
    return { status: 200, body: { [id]: stored } };
  }

  async function template(method: string, kind: 'component_template' | 'index_template', name: string, query: string, body: Json | undefined): Promise<Answer> {
    const path = `/_${kind}/${encodeURIComponent(name)}${query}`;
    if (method === 'PUT' && body !== undefined) {
      const { name: policy, rest } = lifecycleOf(body['template']?.['settings']);
      const sent = rest === undefined ? body : { ...body, template: { ...body['template'], settings: rest } };
      const res = await forward('PUT', path, JSON.stringify(sent));
      if (res.status === 200) {
        if (policy !== undefined) heldLifecycle.set(`${kind}/${name}`, policy);
        else heldLifecycle.delete(`${kind}/${name}`);
      }
      return res;
    }
    const res = await forward(method, path);
    if (method === 'DELETE' && res.status === 200) heldLifecycle.delete(`${kind}/${name}`);
    return res;
  }

  /** Puts held-back lifecycle names into a GET _component_template / _index_template answer. */
  function withLifecycle(kind: 'component_template' | 'index_template', answer: Answer): Answer {
    for (const entry of ((answer.body as Json | undefined)?.[`${kind}s`] ?? []) as Json[]) {
      const policy = heldLifecycle.get(`${kind}/${entry['name']}`);
      if (policy === undefined) continue;
      const t = ((entry[kind] as Json)['template'] ??= {});
      const index = ((t['settings'] ??= {})['index'] ??= {});
      (index['lifecycle'] ??= {})['name'] = policy;
    }
    return answer;
  }

  async function dataStream(method: string, name: string): Promise<Answer> {
    const found = await resolveDataStream(name);
    if (method === 'GET') {
      if (found.stream === undefined) return esError(404, 'index_not_found_exception', `no such index [${name}]`, { 'resource.type': 'index_or_alias', 'resource.id': name, index: name });
      return { status: 200, body: { data_streams: [{ name, timestamp_field: { name: '@timestamp' }, indices: found.stream.backing_indices.map((index_name) => ({ index_name })) }] } };
    }
    if (method !== 'PUT') return forward(method, `/_data_stream/${encodeURIComponent(name)}`);
    if (found.stream !== undefined || found.index) return esError(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`);
    // The first write creates the data stream from the matching template; a document without
    // @timestamp is then refused, so nothing is stored, as after PUT _data_stream. pipeline=_none:
    // creating the stream must not run the template's default pipeline.
    const write = await forward('PUT', `/${encodeURIComponent(name)}/_create/o365-audit-proxy-create?pipeline=_none`, '{}');
    const made = await resolveDataStream(name);
    if (made.stream !== undefined) return { status: 200, body: { acknowledged: true } };
    if (made.index) {
      // No data-stream template matched, so a plain index was made: undo it and answer as the API does.
      await forward('DELETE', `/${encodeURIComponent(name)}`);
      return esError(400, 'illegal_argument_exception', `no matching index template found for data stream [${name}]`);
    }
    return write;
  }

  async function handle(req: IncomingMessage, raw: string): Promise<Answer> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q);
    const body = raw === '' ? undefined : (JSON.parse(raw) as Json);
    const named = (prefix: string): string | undefined => {
      const m = new RegExp(`^${prefix}/([^/_][^/]*)$`).exec(path);
      return m === null ? undefined : decodeURIComponent(m[1]!);
    };

    if (emulated.ingest) {
      if (method === 'GET' && /^\/_nodes(\/|$)/.test(path)) {
        const res = await forward(method, url);
        for (const n of Object.values((res.body as Json | undefined)?.['nodes'] ?? {}) as Json[]) {
          if (Array.isArray(n['ingest']?.['processors'])) n['ingest']['processors'] = [...processorTypes].map((type) => ({ type }));
        }
        return res;
      }
      const id = named('/_ingest/pipeline');
      if (id !== undefined) return ingest(method, id, query, body);
    }
    if (emulated.ilm) {
      if (path === '/_ilm/status' && method === 'GET') return { status: 200, body: { operation_mode: 'RUNNING' } };
      const policy = named('/_ilm/policy');
      if (policy !== undefined) return ilmPolicy(method, policy, body);
      for (const kind of ['component_template', 'index_template'] as const) {
        const name = named(`/_${kind}`);
        if (name !== undefined) return method === 'GET' ? withLifecycle(kind, await template(method, kind, name, query, body)) : template(method, kind, name, query, body);
        if (method === 'GET' && path === `/_${kind}`) return withLifecycle(kind, await forward(method, url));
      }
    }
    if (emulated.dataStreamApi) {
      const name = named('/_data_stream');
      if (name !== undefined && (method === 'GET' || method === 'PUT')) return dataStream(method, name);
    }
    return forward(method, url, raw === '' ? undefined : raw);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8'))
        .then((a) => {
          res.writeHead(a.status, { 'content-type': 'application/json' });
          res.end(a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `full-node proxy: ${(err as Error).message}` }));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    emulated,
    heldProcessors,
    heldLifecycle,
    policies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
