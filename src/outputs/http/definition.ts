// `type: http`: batched POSTs (NDJSON or a JSON array) to one URL.

import { defineOutput } from '../definition.js';
import { httpOutputRules, httpOutputSecrets, normaliseHttpOutput } from './config.js';
import { HttpOutput, type HttpOutputConfig } from './http-output.js';
import schema from './schema.json' with { type: 'json' };

export const http = defineOutput({
  schema,
  rules: httpOutputRules,
  normalise: normaliseHttpOutput,
  secrets: httpOutputSecrets,
  create: (c: HttpOutputConfig, ctx) => new HttpOutput(c, { logger: ctx.logger }),
});
