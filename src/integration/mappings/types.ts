// Types of the fields.yml (Elastic package-spec) subset we read, and of what the target cluster's
// mapping layer supports (ES 7.10 OSS, OpenSearch 2.x and ES 8 differ; setup probes them).

export interface FieldDefinition {
  name: string;
  type?: string;
  description?: string;
  fields?: FieldDefinition[];
  external?: string;
  value?: string;
  object_type?: string;
  object_type_mapping_type?: string;
  ignore_above?: number;
  index?: boolean;
  doc_values?: boolean;
  enabled?: boolean;
  dynamic?: boolean | string;
  multi_fields?: FieldDefinition[];
  null_value?: unknown;
  copy_to?: string;
  date_format?: string;
  scaling_factor?: number;
  path?: string;
  subobjects?: boolean;
}

/** What the cluster's mappings accept. Probed by setup; `ES8_CAPABILITIES` is the full set. */
export interface MappingCapabilities {
  /** `flattened` (ES with x-pack), `flat_object` (OpenSearch ≥ 2.7), else a disabled object (kept in _source only). */
  flattened: 'flattened' | 'flat_object' | 'disabled_object';
  /** ES accepts constant_keyword without a value; OpenSearch only with one; ES 7.10 OSS not at all. */
  constantKeyword: 'any' | 'with_value' | 'none';
  matchOnlyText: boolean;
  wildcard: boolean;
  /** `subobjects: false` (ES ≥ 8.3). */
  subobjects: boolean;
  unsignedLong: boolean;
}

export const ES8_CAPABILITIES: MappingCapabilities = {
  flattened: 'flattened',
  constantKeyword: 'any',
  matchOnlyText: true,
  wildcard: true,
  subobjects: true,
  unsignedLong: true,
};

export interface GeneratedMappings {
  mappings: {
    dynamic_templates: Array<Record<string, unknown>>;
    properties: Record<string, unknown>;
  };
  /** Fields the mapping declares (objects, leaves and multi-fields), as Elasticsearch counts them. */
  fieldCount: number;
  /** Value for index.mapping.total_fields.limit: the count plus room for dynamic objects. */
  totalFieldsLimit: number;
  /** Plain-words notes about fallbacks applied for this cluster (e.g. flattened → disabled object). */
  notes: string[];
}
