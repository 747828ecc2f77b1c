// The topic of one record from the output's template: `{tenant_id}`, `{tenant}` (label, else id)
// and `{content_type}`. Kafka allows [A-Za-z0-9._-] in topic names, up to 249 characters.

import type { RecordMeta } from '../types.js';

const PLACEHOLDER = /\{(tenant_id|tenant|content_type)\}/g;
const NOT_ALLOWED = /[^A-Za-z0-9._-]/g;

export function topicFor(template: string, meta: RecordMeta): string {
  if (!template.includes('{')) return template;
  return template
    .replace(PLACEHOLDER, (_m, key: string) => (key === 'tenant_id' ? meta.tenantId : key === 'tenant' ? (meta.tenant ?? meta.tenantId) : meta.contentType).replace(NOT_ALLOWED, '_'))
    .slice(0, 249);
}

/**
 * topicFor() for one template, computed once per RecordMeta: the collector hands every record of a
 * blob the same meta object, so the placeholders are filled per blob, not per record.
 */
export function topicResolver(template: string): (meta: RecordMeta) => string {
  if (!template.includes('{')) return () => template;
  const byMeta = new WeakMap<RecordMeta, string>();
  return (meta) => {
    let topic = byMeta.get(meta);
    if (topic === undefined) byMeta.set(meta, (topic = topicFor(template, meta)));
    return topic;
  };
}
