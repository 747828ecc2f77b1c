// Finds out what the target cluster supports (distribution, data streams, ingest processors,
// mapping types, lifecycle management) with read-only calls and throwaway probe templates, so one
// setup works on ES 7.10 OSS, ES 8.x/9.x (also the minimal distributions without ingest modules)
// and OpenSearch 2.x/3.x.
import type { MappingCapabilities } from '../mappings/types.js';
import { errorReason, SetupError, type ClusterClient } from './http.js';

export interface ClusterCapabilities {
  distribution: 'elasticsearch' | 'opensearch';
  version: string;
  dataStreams: boolean;
  ignoreMissingComponentTemplates: boolean;
  processors: Set<string>;
  /**
   * The cluster runs ingest pipelines at all. False on nodes without the ingest modules (Elastic's
   * minimal distributions list only x-pack's set_security_user): pipelines cannot be installed.
   */
  ingest: boolean;
  geoip: boolean;
  /** Create-data-stream API (PUT _data_stream/<name>); without it the stream is created on the first write. */
  createDataStreamApi: boolean;
  lifecycle: 'ilm' | 'ism' | 'none';
  mapping: MappingCapabilities;
}

const PROBE = 'o365-audit-capability-probe';

async function simulateTemplateOk(client: ClusterClient, body: Record<string, unknown>): Promise<boolean> {
  const res = await client.call('POST', '/_index_template/_simulate', { index_patterns: [`${PROBE}-*`], priority: 1, ...body });
  return res.status === 200;
}

async function mappingAccepted(client: ClusterClient, field: Record<string, unknown>): Promise<boolean> {
  // Component templates are validated like real mappings but create no index; deleted right after.
  const res = await client.call('PUT', `/_component_template/${PROBE}`, { template: { mappings: { properties: { probe: field } } } });
  if (res.status === 200) await client.call('DELETE', `/_component_template/${PROBE}`);
  return res.status === 200;
}

/** Version and distribution from GET /, else from _nodes/_local (GET / is 405 on Elastic's minimal distributions). */
async function identify(client: ClusterClient): Promise<{ version: string; distribution: 'elasticsearch' | 'opensearch' }> {
  const root = await client.call('GET', '/');
  if (root.status === 200) {
    const info = root.body as { version?: { number?: string; distribution?: string }; tagline?: string };
    const version = info.version?.number;
    if (typeof version !== 'string') throw new SetupError(`${client.url} does not look like Elasticsearch or OpenSearch (no version in GET /)`, 'check the URL');
    return { version, distribution: info.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch' };
  }
  const local = await client.call('GET', '/_nodes/_local?filter_path=nodes.*.version,nodes.*.build_flavor,nodes.*.build_type');
  const node = Object.values((local.body as { nodes?: Record<string, { version?: string }> } | undefined)?.nodes ?? {})[0];
  if (local.status !== 200 || typeof node?.version !== 'string') {
    throw new SetupError(`unexpected answer from ${client.url} (GET / → ${root.status}: ${errorReason(root.body)})`, 'is this an Elasticsearch or OpenSearch URL?', { status: root.status });
  }
  // OpenSearch always answers GET /; a node that does not is Elasticsearch.
  return { version: node.version, distribution: 'elasticsearch' };
}

export async function detectCapabilities(client: ClusterClient): Promise<ClusterCapabilities> {
  const { version, distribution } = await identify(client);
  const major = Number(version.split('.')[0]);
  if (distribution === 'elasticsearch' && major < 7) throw new SetupError(`Elasticsearch ${version} is too old: setup needs 7.10 or later (composable index templates)`, 'upgrade the cluster', {});

  const probe = await client.call('GET', '/_component_template');
  if (probe.status >= 400) throw new SetupError(`the cluster at ${client.url} has no composable templates (GET /_component_template → ${probe.status}); Elasticsearch 7.10+ or OpenSearch 1.x+ is required`, 'upgrade the cluster', { status: probe.status });

  const nodes = await client.call('GET', '/_nodes/ingest?filter_path=nodes.*.ingest.processors');
  const perNode = Object.values((nodes.body as { nodes?: Record<string, { ingest?: { processors?: Array<{ type: string }> } }> })?.nodes ?? {});
  // A processor is usable only if every ingest node has it.
  let processors: Set<string> | undefined;
  for (const n of perNode) {
    const types = new Set((n.ingest?.processors ?? []).map((p) => p.type));
    processors = processors === undefined ? types : new Set([...processors].filter((t) => types.has(t)));
  }
  processors ??= new Set();
  // x-pack registers set_security_user even where the ingest modules are missing.
  const ingest = [...processors].some((p) => p !== 'set_security_user');

  // ES 7.x needs the @timestamp mapping for a valid data-stream template; OSS rejects data_stream.
  const dataStreams = await simulateTemplateOk(client, { data_stream: {}, template: { mappings: { properties: { '@timestamp': { type: 'date' } } } } });
  const ignoreMissingComponentTemplates = await simulateTemplateOk(client, { composed_of: [`${PROBE}-missing`], ignore_missing_component_templates: [`${PROBE}-missing`] });

  // Without the data-streams module the _data_stream endpoints are missing ("no handler found").
  const dsProbe = dataStreams ? await client.call('GET', `/_data_stream/${PROBE}`) : undefined;
  const createDataStreamApi = dsProbe !== undefined && dsProbe.status !== 405 && !/no handler found/.test(errorReason(dsProbe.body));

  let lifecycle: ClusterCapabilities['lifecycle'] = 'none';
  if (distribution === 'elasticsearch') {
    if ((await client.call('GET', '/_ilm/status')).status === 200) lifecycle = 'ilm';
  } else if ((await client.call('GET', '/_plugins/_ism/policies?size=1')).status === 200) {
    lifecycle = 'ism';
  }

  const flattened = (await mappingAccepted(client, { type: 'flattened' }))
    ? 'flattened'
    : (await mappingAccepted(client, { type: 'flat_object' })) ? 'flat_object' : 'disabled_object';
  const constantKeyword = (await mappingAccepted(client, { type: 'constant_keyword' }))
    ? 'any'
    : (await mappingAccepted(client, { type: 'constant_keyword', value: 'x' })) ? 'with_value' : 'none';
  const mapping: MappingCapabilities = {
    flattened,
    constantKeyword,
    matchOnlyText: await mappingAccepted(client, { type: 'match_only_text' }),
    wildcard: await mappingAccepted(client, { type: 'wildcard' }),
    subobjects: await mappingAccepted(client, { type: 'object', subobjects: false }),
    unsignedLong: await mappingAccepted(client, { type: 'unsigned_long' }),
  };

  return { distribution, version, dataStreams, ignoreMissingComponentTemplates, processors, ingest, geoip: processors.has('geoip'), createDataStreamApi, lifecycle, mapping };
}
