// Bodies of the component template `logs-o365.audit@package`, the composable index template
// `logs-o365.audit` and the lifecycle policies, adapted to the cluster's capabilities.
import type { GeneratedMappings } from '../mappings/types.js';
import type { ClusterCapabilities } from './capabilities.js';
import { DATASET } from './pipelines.js';

export const INDEX_TEMPLATE = `logs-${DATASET}`;
export const PACKAGE_COMPONENT = `logs-${DATASET}@package`;
export const CUSTOM_COMPONENT = `logs-${DATASET}@custom`;
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

export function componentTemplateBody(generated: GeneratedMappings, entryPipeline: string, caps: ClusterCapabilities): Record<string, unknown> {
  const index: Record<string, unknown> = {
    default_pipeline: entryPipeline,
    mapping: { total_fields: { limit: generated.totalFieldsLimit } },
  };
  // ILM attaches by setting; ISM attaches by the policy's ism_template instead.
  if (caps.lifecycle === 'ilm') index['lifecycle'] = { name: LIFECYCLE_POLICY };
  return { template: { settings: { index }, mappings: generated.mappings } };
}

export function indexTemplateBody(caps: ClusterCapabilities): Record<string, unknown> {
  const body: Record<string, unknown> = {
    index_patterns: [INDEX_PATTERN],
    priority: 200,
    composed_of: caps.ignoreMissingComponentTemplates ? [PACKAGE_COMPONENT, CUSTOM_COMPONENT] : [PACKAGE_COMPONENT],
  };
  if (caps.ignoreMissingComponentTemplates) body['ignore_missing_component_templates'] = [CUSTOM_COMPONENT];
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
