// From the user's snake_case kafka output entry (already checked against ./schema.json) to the
// camelCase config, and the rules the schema cannot say. Registered in ../registry.ts.

import type { OutputKafka } from '../../generated/config.js';
import { durationMs, fileText, normaliseRetry, secret, type OutputFileReader } from '../normalise.js';
import { bothGiven, type OutputIssue } from '../rules.js';
import type { KafkaOutputConfig } from './kafka-output.js';

// The user's keys come from the config schema: its generated type is the one definition.
export type RawKafkaOutput = OutputKafka;

export function normaliseKafkaOutput(raw: RawKafkaOutput, files: OutputFileReader): KafkaOutputConfig {
  const sasl = raw.sasl;
  return {
    type: 'kafka',
    name: raw.name,
    brokers: raw.brokers,
    topic: raw.topic,
    format: raw.format,
    compression: raw.compression,
    clientId: raw.client_id,
    ca: fileText(files, 'ca_file', raw.ca_file),
    tls: raw.tls === true || raw.ca_file !== undefined,
    sasl:
      sasl === undefined
        ? undefined
        : { mechanism: sasl.mechanism, username: sasl.username, password: secret({ ...files, read: (key, name) => files.read(`sasl.${key}`, name) }, sasl.password, 'password_file', sasl.password_file) ?? '' },
    batchMaxDocs: raw.batch_max_docs,
    batchMaxBytes: raw.batch_max_bytes,
    flushIntervalMs: durationMs(raw.flush_interval),
    maxBufferBytes: raw.max_buffer_bytes,
    requestTimeoutMs: durationMs(raw.request_timeout),
    retry: normaliseRetry(raw.retry),
  };
}

/** SASL needs exactly one password source. */
export function kafkaOutputRules(o: Record<string, unknown>): OutputIssue[] {
  const sasl = o.sasl as Record<string, unknown> | undefined;
  if (sasl === undefined) return [];
  const out = bothGiven(sasl, 'password', 'password_file').map((i) => ({ ...i, key: `sasl.${i.key}` }));
  if (sasl.password === undefined && sasl.password_file === undefined) out.push({ key: 'sasl.password', message: 'is required with sasl (or give sasl.password_file)' });
  return out;
}
