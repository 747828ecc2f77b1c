// `output.type: kafka`: produces each record with key = its Id and value = its raw text (or the
// wazuh line) to a topic chosen per tenant and content type. At-least-once end to end: the producer
// is idempotent with acks=all (the brokers de-duplicate its own retries), and flushTo(mark) resolves
// only after the brokers acknowledged every record up to the mark; a record produced again after a
// crash has the same key, so consumers count records by distinct key.
//
// Client: @platformatic/kafka (pure JavaScript, maintained, no install-time download; its 1.x line
// runs on Node 20). See README "Dependencies and why".

import * as zlib from 'node:zlib';
import type { Producer } from '@platformatic/kafka';
import { ConfigError, OutputError } from '../../errors.js';
import type { Logger } from '../../logging/types.js';
import { BatchQueue } from '../../shared/batch-queue.js';
import { BatchedOutput } from '../batched-output.js';
import { formatRecord, type RecordFormat } from '../../shared/record-format.js';
import { OUTPUT_RETRY, retryDelay, type RetryPolicy } from '../../shared/retry.js';
import { sleep } from '../../shared/sleep.js';
import type { Output, OutputPosition, RecordMeta } from '../types.js';
import { TopicMissing, classifyKafkaError } from './errors.js';
import { topicResolver } from './topic.js';

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Normalised (camelCase) config of one kafka output, as the registry passes it. */
export interface KafkaOutputConfig {
  type: 'kafka';
  name?: string;
  /** `host:port` bootstrap brokers. */
  brokers: string[];
  /** Topic, or a template with {tenant_id}, {tenant}, {content_type}. */
  topic: string;
  format?: RecordFormat;
  compression?: KafkaCompression;
  clientId?: string;
  tls?: boolean;
  /** PEM text of extra CAs (implies TLS). */
  ca?: string;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  batchMaxDocs?: number;
  batchMaxBytes?: number;
  flushIntervalMs?: number;
  maxBufferBytes?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface KafkaOutputDeps {
  logger?: Logger;
}

export const KAFKA_DEFAULTS = { batchMaxDocs: 1000, batchMaxBytes: 900_000, flushIntervalMs: 1000, requestTimeoutMs: 30_000, clientId: 'o365-audit' } as const;

interface Message {
  topic: string;
  key: string | undefined;
  value: string;
  bytes: number;
}

export interface KafkaOutputStats {
  confirmed: number;
  batches: number;
  retries: number;
}

export class KafkaOutput extends BatchedOutput<Message> implements Output {
  readonly name: string;
  private readonly format: RecordFormat;
  private readonly retry: RetryPolicy;
  protected readonly queue: BatchQueue<Message>;
  private readonly logger: Logger | undefined;
  private producer: Producer<string, string, string, string> | undefined;
  /** Topics the brokers confirmed to exist. */
  private readonly knownTopics = new Set<string>();
  private readonly topicOf: (meta: RecordMeta) => string;
  private batches = 0;
  private retries = 0;

  constructor(private readonly config: KafkaOutputConfig, deps: KafkaOutputDeps = {}) {
    super();
    this.name = config.name ?? 'kafka';
    this.topicOf = topicResolver(config.topic);
    if (config.brokers.length === 0) throw new ConfigError(`Output "${this.name}" needs brokers`, 'output.brokers');
    if (config.compression === 'zstd' && !hasZstd()) {
      throw new ConfigError(`Output "${this.name}": zstd compression needs Node.js 22.15 or later (this is ${process.version}); use lz4, snappy or gzip`, 'output.compression');
    }
    this.format = config.format ?? 'raw';
    this.retry = { ...OUTPUT_RETRY, ...config.retry };
    this.logger = deps.logger;
    const batchMaxBytes = config.batchMaxBytes ?? KAFKA_DEFAULTS.batchMaxBytes;
    this.queue = new BatchQueue<Message>({
      name: this.name,
      batchMaxBytes,
      batchMaxDocs: config.batchMaxDocs ?? KAFKA_DEFAULTS.batchMaxDocs,
      flushIntervalMs: config.flushIntervalMs ?? KAFKA_DEFAULTS.flushIntervalMs,
      maxBufferBytes: config.maxBufferBytes ?? 4 * batchMaxBytes,
      send: (batch) => this.send(batch),
    });
  }

  stats(): KafkaOutputStats {
    return { confirmed: this.queue.confirmedCount, batches: this.batches, retries: this.retries };
  }

  async open(_committed: OutputPosition | undefined): Promise<void> {
    // Loaded here, not at import: processes that never produce to Kafka do not pay for the client.
    const { Producer, ProduceAcks, stringSerializers } = await import('@platformatic/kafka');
    const c = this.config;
    const timeout = c.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs;
    this.producer = new Producer<string, string, string, string>({
      clientId: c.clientId ?? KAFKA_DEFAULTS.clientId,
      bootstrapBrokers: c.brokers,
      serializers: stringSerializers,
      // The brokers keep one copy of each record however often the producer retries a request.
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: c.compression ?? 'none',
      autocreateTopics: false,
      // Our own loop retries a batch with back-off (and across a broker restart); the client's
      // retries only cover a leader moving within one attempt.
      retries: 2,
      retryDelay: 250,
      timeout,
      requestTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      ...(c.tls || c.ca !== undefined ? { tls: c.ca !== undefined ? { ca: c.ca } : {} } : {}),
      ...(c.sasl !== undefined ? { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } } : {}),
    });
  }

  write(raw: string, meta: RecordMeta, id: string | undefined): void | Promise<void> {
    const value = formatRecord(this.format, raw, meta);
    // UTF-8 bytes, as produced: the string length undercounts non-ASCII text and overshoots the bound.
    return this.queue.push({ topic: this.topicOf(meta), key: id === '' ? undefined : id, value, bytes: Buffer.byteLength(value) + Buffer.byteLength(id ?? '') });
  }

  protected async release(): Promise<void> {
    await this.producer?.close().catch(() => {});
  }

  /** One batch, retried with back-off until the brokers acknowledge all of it; unknown topics and refused credentials fail at once. */
  private async send(batch: Message[]): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new OutputError(`Output "${this.name}" was written to before open()`, { context: { output: this.name } });
    for (let attempt = 1; ; attempt++) {
      let cause: unknown;
      try {
        await this.checkTopics(producer, batch);
        await producer.send({ messages: batch.map((m) => ({ topic: m.topic, key: m.key, value: m.value })) });
        this.batches++;
        return;
      } catch (err) {
        cause = err;
      }
      const kind = classifyKafkaError(cause);
      const where = { output: this.name, brokers: this.config.brokers.join(','), attempt };
      if (kind.final) {
        throw new OutputError(`Output "${this.name}": ${kind.message}`, { retryable: false, context: { ...where, reason: kind.reason }, cause });
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new OutputError(`Output "${this.name}" could not produce ${batch.length} records to ${where.brokers} after ${attempt} attempts: ${kind.message}`, {
          retryable: true,
          context: { ...where, reason: kind.reason },
          cause,
        });
      }
      this.retries++;
      const delay = retryDelay(attempt, this.retry);
      this.logger?.warn({ ...where, records: batch.length, reason: kind.message, delayMs: delay }, 'kafka output: retrying batch');
      await sleep(delay);
    }
  }

  /** A topic not seen yet must exist: an unknown topic is a configuration problem, not a wait. */
  private async checkTopics(producer: Producer<string, string, string, string>, batch: Message[]): Promise<void> {
    const unknown = [...new Set(batch.map((m) => m.topic))].filter((t) => !this.knownTopics.has(t));
    if (unknown.length === 0) return;
    for (const t of unknown) {
      // The client answers a missing topic with "Unknown topic <name>." (a UserError).
      const metadata = await producer.metadata({ topics: [t], autocreateTopics: false, forceUpdate: true }).catch((err: Error) => {
        if (/^Unknown topic/.test(err.message)) throw new TopicMissing(t);
        throw err;
      });
      if (!metadata.topics.has(t)) throw new TopicMissing(t);
      this.knownTopics.add(t);
    }
  }
}

function hasZstd(): boolean {
  // node:zlib gained zstd in Node.js 22.15; the client compresses with it.
  return typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
}
