// `type: kafka`: keyed by record Id, idempotent producer with acks=all.

import { defineOutput } from '../definition.js';
import { kafkaOutputRules, normaliseKafkaOutput } from './config.js';
import { KafkaOutput, type KafkaOutputConfig } from './kafka-output.js';
import schema from './schema.json' with { type: 'json' };

export const kafka = defineOutput({
  schema,
  rules: kafkaOutputRules,
  normalise: normaliseKafkaOutput,
  secrets: (c: KafkaOutputConfig) => [c.sasl?.password],
  create: (c: KafkaOutputConfig, ctx) => new KafkaOutput(c, { logger: ctx.logger }),
});
