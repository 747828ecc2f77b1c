// The elasticsearch / opensearch output: bulk creates with _id = record Id, dead-letter file.
export {
  ElasticsearchOutput,
  createElasticsearchOutput,
  ES_DEFAULTS,
  type ElasticsearchOutputConfig,
  type ElasticsearchOutputDeps,
  type ElasticsearchOutputStats,
  type EsSetupHook,
} from './es-output.js';
export { normaliseElasticsearchOutput, type RawElasticsearchOutput } from './config.js';
export type { Engine } from './transport.js';
