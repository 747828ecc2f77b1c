// `setup`: installs, idempotently and versioned, the ingest pipelines, the component and index
// templates, the data stream and (where the cluster has one) a lifecycle policy for
// logs-o365.audit-*. What the cluster cannot hold is listed in `notInstalled`, with the reason.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { generateMappings } from '../mappings/generate.js';
import { loadFieldsDir } from '../mappings/load-fields.js';
import { detectCapabilities, type ClusterCapabilities } from './capabilities.js';
import { createClusterClient, errorReason, SetupError, type ClusterClient, type SetupAuth } from './http.js';
import { packageRoot, packageVersion, versionNumber } from './package-assets.js';
import { DATASET, entryPipelineName, loadPipelines } from './pipelines.js';
import {
  componentTemplateBody, ilmPolicyBody, indexTemplateBody, ismPolicyBody, meta,
  INDEX_PATTERN, INDEX_TEMPLATE, LIFECYCLE_POLICY, PACKAGE_COMPONENT,
} from './templates.js';

export interface SetupLogger {
  info(message: string): void;
  warn?(message: string): void;
}

export interface SetupOptions {
  url: string;
  auth?: SetupAuth;
  caPem?: string;
  /** Data stream namespace the user writes to (only named in messages; the template covers all). */
  namespace?: string;
  logger?: SetupLogger;
  /** Folder holding fields/ and pipelines/ (default: the installed package). For tests. */
  packageDir?: string;
  /** Package version used in names (default: package.json). For tests. */
  version?: string;
  /** Replace assets even when the cluster holds a newer o365-audit version (deliberate downgrade). */
  force?: boolean;
}

export type AssetKind = 'ingest pipeline' | 'component template' | 'index template' | 'lifecycle policy' | 'data stream';
export type AssetStatus = 'installed' | 'updated' | 'up to date' | 'rolled over';

export interface NotInstalled {
  kind: AssetKind;
  name: string;
  reason: string;
}

export interface InstalledAsset {
  kind: AssetKind;
  name: string;
  status: AssetStatus;
}

export interface SetupResult {
  cluster: { distribution: 'elasticsearch' | 'opensearch'; version: string };
  version: string;
  /** Where documents go: logs-o365.audit-<namespace>. */
  target: string;
  dataStream: boolean;
  geoip: boolean;
  lifecycle: ClusterCapabilities['lifecycle'];
  assets: InstalledAsset[];
  /** Plain-words statements about what this cluster does differently. */
  notes: string[];
  /** Parts of the package this cluster cannot hold, each with the reason (empty: everything installed). */
  notInstalled: NotInstalled[];
  /** True when every part of the package is installed (notInstalled is empty). */
  complete: boolean;
  /** True when nothing had to change. */
  upToDate: boolean;
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function contentHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(stable(body))).digest('hex').slice(0, 32);
}

function semverNewer(a: string, b: string): boolean {
  return versionNumber(a) > versionNumber(b);
}

async function expectOk(client: ClusterClient, method: 'PUT' | 'POST', path: string, body: unknown, what: string): Promise<void> {
  const res = await client.call(method, path, body);
  if (res.status >= 300) throw new SetupError(`installing ${what} failed (${res.status}): ${errorReason(res.body)}`, 'the cluster may be incompatible; see the reason above', { status: res.status, path });
}

/** Installs a template-like asset whose stored copy carries `_meta` and `version`. */
async function installWithMeta(client: ClusterClient, kind: AssetKind, path: string, listKey: string, entryKey: string, name: string, body: Record<string, unknown>, version: string, force: boolean): Promise<AssetStatus> {
  const hash = contentHash(body);
  const full = { ...body, version: versionNumber(version), _meta: { ...meta(version), hash } };
  const existing = await client.call('GET', path);
  let status: AssetStatus = 'installed';
  if (existing.status === 200) {
    const list = (existing.body as Record<string, Array<Record<string, Record<string, unknown>>>>)[listKey] ?? [];
    const stored = list.find((e) => e['name'] === (name as unknown))?.[entryKey];
    const storedMeta = stored?.['_meta'] as { package?: { version?: string }; hash?: string } | undefined;
    const storedVersion = storedMeta?.package?.version;
    if (storedVersion !== undefined && semverNewer(storedVersion, version) && !force) {
      throw new SetupError(`${kind} ${name} on the cluster is from o365-audit ${storedVersion}, newer than this ${version}: not downgrading`, 'run setup from the newer o365-audit version, or pass force to downgrade');
    }
    if (storedVersion === version && storedMeta?.hash === hash) return 'up to date';
    if (stored !== undefined) status = 'updated';
  }
  await expectOk(client, 'PUT', path, full, `${kind} ${name}`);
  return status;
}

/**
 * Keys Elasticsearch 9 adds to every pipeline in GET answers (when it was stored, e.g.
 * `created_date_millis`); they were never sent, so they take no part in the comparison.
 */
const PIPELINE_SERVER_KEYS = ['created_date_millis', 'modified_date_millis', 'created_date', 'modified_date'];

/** Whether a pipeline as a GET answer shows it is the body setup would install. */
export function samePipeline(stored: unknown, body: Record<string, unknown>): boolean {
  if (stored === null || typeof stored !== 'object') return false;
  const own = Object.fromEntries(Object.entries(stored).filter(([k]) => !PIPELINE_SERVER_KEYS.includes(k)));
  return JSON.stringify(stable(own)) === JSON.stringify(stable(body));
}

async function installPipeline(client: ClusterClient, name: string, body: Record<string, unknown>, version: string): Promise<AssetStatus> {
  const full = { ...body, version: versionNumber(version) };
  const path = `/_ingest/pipeline/${encodeURIComponent(name)}`;
  const existing = await client.call('GET', path);
  const stored = existing.status === 200 ? (existing.body as Record<string, unknown>)[name] : undefined;
  // Pipelines take no _meta on ES 7.10/OpenSearch; they are stored verbatim, so compare bodies.
  if (stored !== undefined && samePipeline(stored, full)) return 'up to date';
  await expectOk(client, 'PUT', path, full, `ingest pipeline ${name}`);
  return stored === undefined ? 'installed' : 'updated';
}

async function installLifecycle(client: ClusterClient, caps: ClusterCapabilities, version: string): Promise<InstalledAsset | undefined> {
  if (caps.lifecycle === 'ilm') {
    const path = `/_ilm/policy/${LIFECYCLE_POLICY}`;
    const existing = await client.call('GET', path);
    const storedVersion = (existing.body as Record<string, { policy?: { _meta?: { package?: { version?: string } } } }> | undefined)?.[LIFECYCLE_POLICY]?.policy?._meta?.package?.version;
    if (existing.status === 200 && storedVersion === version) return { kind: 'lifecycle policy', name: LIFECYCLE_POLICY, status: 'up to date' };
    await expectOk(client, 'PUT', path, ilmPolicyBody(version), `ILM policy ${LIFECYCLE_POLICY}`);
    return { kind: 'lifecycle policy', name: LIFECYCLE_POLICY, status: existing.status === 200 ? 'updated' : 'installed' };
  }
  if (caps.lifecycle === 'ism') {
    const path = `/_plugins/_ism/policies/${LIFECYCLE_POLICY}`;
    const body = ismPolicyBody(version);
    const existing = await client.call('GET', path);
    const stored = existing.body as { _seq_no?: number; _primary_term?: number; policy?: { description?: string } } | undefined;
    if (existing.status === 200 && stored?.policy?.description === (body['policy'] as { description: string }).description) {
      return { kind: 'lifecycle policy', name: LIFECYCLE_POLICY, status: 'up to date' };
    }
    // ISM refuses blind overwrites: an update must name the stored copy's seq_no/primary_term.
    const query = existing.status === 200 ? `?if_seq_no=${stored?._seq_no}&if_primary_term=${stored?._primary_term}` : '';
    await expectOk(client, 'PUT', `${path}${query}`, body, `ISM policy ${LIFECYCLE_POLICY}`);
    return { kind: 'lifecycle policy', name: LIFECYCLE_POLICY, status: existing.status === 200 ? 'updated' : 'installed' };
  }
  return undefined;
}

/**
 * Points indices that already exist and use an older version of our pipeline at the new pipeline
 * and mappings (best effort, reported). Indices using any other pipeline are left alone.
 */
async function updateExistingIndices(client: ClusterClient, entryPipeline: string, mappings: unknown, notes: string[]): Promise<void> {
  const found = await client.call('GET', `/${INDEX_PATTERN}/_settings?filter_path=*.settings.index.default_pipeline`);
  if (found.status !== 200 || found.body === undefined) return;
  const ours = Object.entries(found.body as Record<string, { settings?: { index?: { default_pipeline?: string } } }>)
    // Backing indices of data streams are left alone: the data stream rolls over instead.
    .filter(([index, v]) => { const p = v.settings?.index?.default_pipeline; return !index.startsWith('.ds-') && p !== undefined && p !== entryPipeline && p.startsWith(`logs-${DATASET}-`); })
    .map(([index]) => index);
  if (ours.length === 0) return;
  const list = ours.map(encodeURIComponent).join(',');
  const settings = await client.call('PUT', `/${list}/_settings`, { index: { default_pipeline: entryPipeline } });
  if (settings.status >= 300) notes.push(`existing indices ${ours.join(', ')} still use their old pipeline: ${errorReason(settings.body)}`);
  const mapping = await client.call('PUT', `/${list}/_mapping`, mappings);
  if (mapping.status >= 300) notes.push(`existing indices ${ours.join(', ')} keep their old mappings (${errorReason(mapping.body)}); new fields apply from the next index or rollover`);
  else notes.push(`existing indices ${ours.join(', ')} now use pipeline ${entryPipeline} and the new mappings`);
}

/** Our data streams (logs-o365.audit-*), via _resolve/index: it exists where _data_stream may not. */
async function ourDataStreams(client: ClusterClient): Promise<string[]> {
  const res = await client.call('GET', `/_resolve/index/${INDEX_PATTERN}?expand_wildcards=open`);
  if (res.status !== 200) return [];
  return ((res.body as { data_streams?: Array<{ name: string }> }).data_streams ?? []).map((d) => d.name);
}

/**
 * Where the package's mappings or settings changed, rolls each of our data streams over so its new
 * write index takes the new template (an old backing index keeps its mappings: changing a field's
 * type in place is impossible, and a type that differs between backing indices breaks queries).
 */
async function rollOverDataStreams(client: ClusterClient, streams: string[], record: (a: InstalledAsset) => void, notes: string[]): Promise<void> {
  for (const ds of streams) {
    const res = await client.call('POST', `/${encodeURIComponent(ds)}/_rollover`);
    if (res.status >= 300) notes.push(`data stream ${ds} could not roll over (${errorReason(res.body)}): new mappings apply from its next rollover`);
    else record({ kind: 'data stream', name: ds, status: 'rolled over' });
  }
}

async function installDataStream(client: ClusterClient, caps: ClusterCapabilities, target: string, existing: string[], notInstalled: NotInstalled[]): Promise<InstalledAsset | undefined> {
  if (!caps.dataStreams) return undefined;
  if (!caps.createDataStreamApi) {
    notInstalled.push({ kind: 'data stream', name: target, reason: 'this cluster has no create-data-stream API (PUT _data_stream; the data-streams module is missing): the data stream is created from the index template on the first write' });
    return undefined;
  }
  if (existing.includes(target)) return { kind: 'data stream', name: target, status: 'up to date' };
  await expectOk(client, 'PUT', `/_data_stream/${encodeURIComponent(target)}`, undefined, `data stream ${target}`);
  return { kind: 'data stream', name: target, status: 'installed' };
}

export async function setup(options: SetupOptions): Promise<SetupResult> {
  const namespace = options.namespace ?? 'default';
  if (!/^[a-z0-9_]{1,100}$/.test(namespace)) throw new SetupError(`invalid namespace "${namespace}"`, 'use lowercase letters, digits and _ (no "-"), at most 100 characters');
  const root = options.packageDir ?? packageRoot();
  const version = options.version ?? packageVersion(root);
  const log = options.logger;
  const client = createClusterClient({ url: options.url, auth: options.auth, caPem: options.caPem });
  try {
    const caps = await detectCapabilities(client);
    log?.info(`cluster: ${caps.distribution} ${caps.version} at ${client.url}`);
    const generated = generateMappings(loadFieldsDir(join(root, 'fields')), caps.mapping);
    const notInstalled: NotInstalled[] = [];
    // Without ingest processors no pipeline can be stored; everything else still is.
    const loaded = loadPipelines(join(root, 'pipelines'), version, caps.ingest ? caps.processors : new Set());
    const { pipelines, notes: compat } = caps.ingest ? loaded : { pipelines: [], notes: [] };
    const entry = entryPipelineName(version);
    if (!caps.ingest) {
      notInstalled.push({ kind: 'ingest pipeline', name: `${entry} (and ${loaded.pipelines.length - 1} sub-pipelines)`, reason: 'this cluster has no ingest processors (its nodes lack the ingest-common and painless modules): send documents already processed (the Vector VRL program in pipelines/vector) or add ingest nodes and run setup again' });
    }
    const assets: InstalledAsset[] = [];
    const record = (a: InstalledAsset): void => {
      assets.push(a);
      log?.info(`${a.kind} ${a.name}: ${a.status}`);
    };

    // Sub-pipelines first, the entry pipeline last: ES checks `pipeline` processor targets lazily,
    // but a half-installed entry pipeline must never point at pipelines that are not there yet.
    for (const p of [...pipelines.filter((x) => x.name !== entry), ...pipelines.filter((x) => x.name === entry)]) {
      record({ kind: 'ingest pipeline', name: p.name, status: await installPipeline(client, p.name, p.body, version) });
    }
    const component = await installWithMeta(client, 'component template', `/_component_template/${PACKAGE_COMPONENT}`, 'component_templates', 'component_template', PACKAGE_COMPONENT, componentTemplateBody(generated, caps.ingest ? entry : undefined, caps), version, options.force === true);
    record({ kind: 'component template', name: PACKAGE_COMPONENT, status: component });
    const template = await installWithMeta(client, 'index template', `/_index_template/${INDEX_TEMPLATE}`, 'index_templates', 'index_template', INDEX_TEMPLATE, indexTemplateBody(caps), version, options.force === true);
    record({ kind: 'index template', name: INDEX_TEMPLATE, status: template });
    const lifecycle = await installLifecycle(client, caps, version);
    if (lifecycle !== undefined) record(lifecycle);
    else notInstalled.push({ kind: 'lifecycle policy', name: LIFECYCLE_POLICY, reason: 'this cluster has no lifecycle management (no ILM, no ISM plugin): indices are kept until you delete them, and data streams roll over only when setup or you ask' });

    const target = `logs-${DATASET}-${namespace}`;
    const notes: string[] = [];
    const existing = caps.dataStreams ? await ourDataStreams(client) : [];
    if (component !== 'up to date' || template !== 'up to date') await rollOverDataStreams(client, existing, record, notes);
    const stream = await installDataStream(client, caps, target, existing, notInstalled);
    if (stream !== undefined && !assets.some((a) => a.name === target)) record(stream);
    notes.push(caps.dataStreams
      ? `${target} is a data stream`
      : `this cluster has no data streams: ${target} is created as a plain index on the first write, and it does not roll over`);
    if (!caps.ignoreMissingComponentTemplates) notes.push(`this cluster cannot reference an optional ${`logs-${DATASET}@custom`} component template: customise mappings by editing a copy of the index template instead`);
    notes.push(...compat.map((c) => c.detail), ...generated.notes);
    if (component !== 'up to date') await updateExistingIndices(client, entry, generated.mappings, notes);
    for (const n of notes) log?.info(n);

    return {
      cluster: { distribution: caps.distribution, version: caps.version },
      version,
      target,
      dataStream: caps.dataStreams,
      geoip: caps.geoip,
      lifecycle: caps.lifecycle,
      assets,
      notes,
      notInstalled,
      complete: notInstalled.length === 0,
      upToDate: assets.every((a) => a.status === 'up to date'),
    };
  } finally {
    await client.close();
  }
}
