// Bodies of the component template `logs-o365.audit@package`, the composable index template
// `logs-o365.audit` and the lifecycle policies, adapted to the cluster's capabilities.
import type { GeneratedMappings } from '../mappings/types.js';
import type { ClusterCapabilities } from './capabilities.js';
import { DATASET } from './pipelines.js';

export const INDEX_TEMPLATE = `logs-${DATASET}`;
export const PACKAGE_COMPONENT = `logs-${DATASET}@package`;
export const CUSTOM_COMPONENT = `logs-${DATASET}@custom`;
/** Fleet's hook for customising every logs-*-* data stream; ours honours it like Fleet's templates do. */
export const LOGS_CUSTOM_COMPONENT = 'logs@custom';
/**
 * Above the built-in `logs` template of Elasticsearch 8/9 default distributions (pattern logs-*-*,
 * priority 100) and equal to Fleet's integration templates: only one index template applies to a
 * new data stream, the one with the highest priority, so ours must be above 100. See docs/engines.md.
 */
export const INDEX_TEMPLATE_PRIORITY = 200;
export const INDEX_PATTERN = `logs-${DATASET}-*`;
export const LIFECYCLE_POLICY = 'o365-audit';

export interface AssetMeta {
  package: { name: 'o365-audit'; version: string };
  managed_by: 'o365-audit';
  managed: true;
  /** Hash of the body without _meta: equal hash and version ⇒ up to date. */
  hash?: string;
}

export function meta(version: string): AssetMeta {
  return { package: { name: 'o365-audit', version }, managed_by: 'o365-audit', managed: true };
}

/** `entryPipeline` undefined: the cluster has no ingest processors, documents arrive processed. */
export function componentTemplateBody(generated: GeneratedMappings, entryPipeline: string | undefined, caps: ClusterCapabilities): Record<string, unknown> {
  const index: Record<string, unknown> = {
    ...(entryPipeline === undefined ? {} : { default_pipeline: entryPipeline }),
    mapping: { total_fields: { limit: generated.totalFieldsLimit } },
  };
  // ILM attaches by setting; ISM attaches by the policy's ism_template instead.
  if (caps.lifecycle === 'ilm') index['lifecycle'] = { name: LIFECYCLE_POLICY };
  return { template: { settings: { index }, mappings: generated.mappings } };
}

export function indexTemplateBody(caps: ClusterCapabilities): Record<string, unknown> {
  const body: Record<string, unknown> = {
    index_patterns: [INDEX_PATTERN],
    priority: INDEX_TEMPLATE_PRIORITY,
    // Fleet's order: the package, then logs@custom (all logs), then the dataset's own @custom, so a
    // user's dataset setting beats their global one and both beat ours. Both may be missing.
    composed_of: caps.ignoreMissingComponentTemplates ? [PACKAGE_COMPONENT, LOGS_CUSTOM_COMPONENT, CUSTOM_COMPONENT] : [PACKAGE_COMPONENT],
  };
  if (caps.ignoreMissingComponentTemplates) body['ignore_missing_component_templates'] = [LOGS_CUSTOM_COMPONENT, CUSTOM_COMPONENT];
  if (caps.dataStreams) body['data_stream'] = {};
  return body;
}

// Rollover keeps shards a sensible size; nothing is deleted: audit logs are evidence and only the
// user may decide how long to keep them.
export function ilmPolicyBody(version: string): Record<string, unknown> {
  return {
    policy: {
      _meta: meta(version),
      phases: { hot: { min_age: '0ms', actions: { rollover: { max_size: '50gb', max_age: '30d' } } } },
    },
  };
}

export function ismPolicyBody(version: string): Record<string, unknown> {
  return {
    policy: {
      description: `o365-audit ${version}: rollover at 50gb or 30 days; nothing is deleted`,
      default_state: 'hot',
      states: [{ name: 'hot', actions: [{ rollover: { min_size: '50gb', min_index_age: '30d' } }], transitions: [] }],
      ism_template: [{ index_patterns: [INDEX_PATTERN], priority: 100 }],
    },
  };
}
