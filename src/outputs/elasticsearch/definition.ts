// `type: elasticsearch` / `type: opensearch`: bulk creates with _id = record Id.

import { defineOutput } from '../definition.js';
import { elasticsearchOutputRules, normaliseElasticsearchOutput } from './config.js';
import { ElasticsearchOutput, type ElasticsearchOutputConfig } from './es-output.js';
import schema from './schema.json' with { type: 'json' };

export const elasticsearch = defineOutput({
  schema,
  rules: elasticsearchOutputRules,
  normalise: normaliseElasticsearchOutput,
  secrets: (c: ElasticsearchOutputConfig) => [c.apiKey, c.password],
  create: (c: ElasticsearchOutputConfig, ctx) => new ElasticsearchOutput(c, { logger: ctx.logger, stateDir: ctx.stateDir }),
});
