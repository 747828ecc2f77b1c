// `output.type: elasticsearch | opensearch`: bulk-indexes each record as {"message": raw} with
// op_type create and _id = record Id (a resend is a 409: idempotent, at-least-once end to end).
// flushTo(mark) resolves only when a bulk response confirmed every record up to the mark
// (created, already there, or refused for good and fsynced to the dead-letter file).
//
// Client choice (checked against ES 7.10.2 OSS and OpenSearch 2.19.1): @elastic/elasticsearch
// 7.17 refuses ES 7.10 OSS (ProductNotSupportedError: build_flavor is not "default"), 8.x gets a
// 406 for its compatible-with=8 content type and also product-checks, and 7.13 (the last without
// the check) is unmaintained; one package cannot depend on several majors. The _bulk API is the
// same on 7.x, 8.x and 9.x, so Elasticsearch is spoken to over plain HTTP (undici), which serves
// every version including ES 8/9. OpenSearch uses its official client, which accepts 2.x/3.x and
// brings connection pooling and, later, AWS SigV4 signing.

import { probeConnect } from '../probe.js';
import { join } from 'node:path';
import type { Logger } from '../../logging/types.js';
import { ConfigError, O365AuditError, OutputError } from '../../errors.js';
import { BatchQueue } from '../../shared/batch-queue.js';
import { BatchedOutput } from '../batched-output.js';
import { OUTPUT_RETRY, parseRetryAfter, retryDelay, type RetryPolicy } from '../../shared/retry.js';
import { sleep } from '../../shared/sleep.js';
import type { Output, OutputPosition, RecordMeta } from '../types.js';
import { BULK_FILTER_PATH, DOCUMENT_REQUEST_ERRORS, bulkBody, bulkItem, itemRaw, readBulkResponse, type BulkItem, type ItemError } from './bulk.js';
import { DeadLetterFile, type DeadLetter } from './dead-letter.js';
import { describe, errorSummary, hint, requestError } from './messages.js';
import { scrub } from '../../logging/redact.js';
import type { SetupOptions } from '../../integration/setup/setup.js';
import { ClusterUnreachable } from '../../shared/cluster-client.js';
import { createTransport, type BulkTransport, type Engine } from './transport.js';

/** Normalised (camelCase) config of one elasticsearch/opensearch output, as the registry passes it. */
export interface ElasticsearchOutputConfig {
  type: Engine;
  name?: string;
  /** Base URLs of the cluster's nodes (`url` or `hosts` in the file). */
  hosts: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM text of extra CAs (from `ca_file`). */
  ca?: string;
  namespace?: string;
  /** Default `logs-o365.audit-<namespace>`. */
  index?: string;
  /** Ingest pipeline override; by default the index template's default_pipeline applies. */
  pipeline?: string;
  batchMaxBytes?: number;
  batchMaxDocs?: number;
  flushIntervalMs?: number;
  maxBufferBytes?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Absolute path; default `<state_dir>/dead-letter/<name>.ndjson`. */
  deadLetterPath?: string;
  /** Install templates and pipelines (the `setup` command's work) before the first write. */
  setupOnStart?: boolean;
}

/** The `setup` step (src/integration/setup): installs templates and pipelines. Replaceable in tests. */
export type EsSetupHook = (options: SetupOptions) => Promise<unknown>;

export interface ElasticsearchOutputDeps {
  logger?: Logger;
  /** Where the default dead-letter file goes. */
  stateDir?: string;
  /** Runs for `setup_on_start`; default: src/integration/setup's setup(). */
  setup?: EsSetupHook;
  /** Replaces the HTTP transport (tests). */
  transport?: BulkTransport;
}

export const ES_DEFAULTS = { namespace: 'default', batchMaxBytes: 5 << 20, batchMaxDocs: 1000, flushIntervalMs: 1000, requestTimeoutMs: 60_000 } as const;

export interface ElasticsearchOutputStats {
  confirmed: number;
  created: number;
  duplicates: number;
  deadLettered: number;
  retries: number;
  requests: number;
  batches: number;
}

export class ElasticsearchOutput extends BatchedOutput<BulkItem> implements Output {
  readonly name: string;
  readonly index: string;
  readonly deadLetterPath: string;
  private readonly engine: Engine;
  private readonly namespace: string;
  private readonly query: Record<string, string>;
  private readonly retry: RetryPolicy;
  private readonly transport: BulkTransport;
  protected readonly queue: BatchQueue<BulkItem>;
  private readonly deadLetters: DeadLetterFile;
  private readonly counts = { created: 0, duplicates: 0, retries: 0, requests: 0 };

  constructor(private readonly config: ElasticsearchOutputConfig, private readonly deps: ElasticsearchOutputDeps = {}) {
    super();
    this.engine = config.type;
    this.name = config.name ?? config.type;
    if (config.hosts.length === 0) throw new ConfigError(`Output "${this.name}" needs a url (or hosts)`, 'output.url');
    for (const h of config.hosts) {
      let u: URL;
      try {
        u = new URL(h);
      } catch {
        throw new ConfigError(`Output "${this.name}": "${scrub(h)}" is not a URL`, 'output.hosts');
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`Output "${this.name}": ${u.protocol} URLs are not supported (http or https)`, 'output.hosts');
    }
    this.namespace = config.namespace ?? ES_DEFAULTS.namespace;
    if (!/^[a-z0-9_]{1,100}$/.test(this.namespace)) {
      throw new ConfigError(`Output "${this.name}": namespace "${this.namespace}" must be lower case letters, digits and "_" (no "-")`, 'output.namespace');
    }
    this.index = config.index ?? `logs-o365.audit-${this.namespace}`;
    if (!/^[a-z0-9][^\\/*?"<>| ,#:A-Z]*$/.test(this.index)) {
      throw new ConfigError(`Output "${this.name}": "${this.index}" is not a valid index name`, 'output.index');
    }
    this.query = { filter_path: BULK_FILTER_PATH, ...(config.pipeline ? { pipeline: config.pipeline } : {}) };
    this.retry = { ...OUTPUT_RETRY, ...config.retry };
    const dl = config.deadLetterPath ?? (deps.stateDir !== undefined ? join(deps.stateDir, 'dead-letter', `${this.name}.ndjson`) : undefined);
    if (dl === undefined) throw new ConfigError(`Output "${this.name}" needs dead_letter_path (or a state_dir)`, 'output.dead_letter_path');
    this.deadLetterPath = dl;
    this.deadLetters = new DeadLetterFile(dl, this.name);
    this.transport =
      deps.transport ??
      createTransport({
        engine: this.engine,
        hosts: config.hosts,
        apiKey: config.apiKey,
        username: config.username,
        password: config.password,
        ca: config.ca,
        requestTimeoutMs: config.requestTimeoutMs ?? ES_DEFAULTS.requestTimeoutMs,
      });
    const batchMaxBytes = config.batchMaxBytes ?? ES_DEFAULTS.batchMaxBytes;
    this.queue = new BatchQueue<BulkItem>({
      name: this.name,
      batchMaxBytes,
      batchMaxDocs: config.batchMaxDocs ?? ES_DEFAULTS.batchMaxDocs,
      flushIntervalMs: config.flushIntervalMs ?? ES_DEFAULTS.flushIntervalMs,
      maxBufferBytes: config.maxBufferBytes ?? 4 * batchMaxBytes,
      send: (batch) => this.send(batch),
    });
  }

  stats(): ElasticsearchOutputStats {
    // batches: bulk requests that were not retries of an earlier one.
    return { confirmed: this.queue.confirmedCount, ...this.counts, batches: this.counts.requests - this.counts.retries, deadLettered: this.deadLetters.written };
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeConnect(this.config.hosts, signal);
  }

  async open(_committed: OutputPosition | undefined): Promise<void> {
    if (!this.config.setupOnStart) return;
    const c = this.config;
    const run = this.deps.setup ?? (await import('../../integration/setup/setup.js')).setup;
    const logger = this.deps.logger;
    try {
      await run({
        url: c.hosts[0]!,
        auth: c.apiKey !== undefined ? { apiKey: c.apiKey } : c.username !== undefined ? { username: c.username, password: c.password ?? '' } : undefined,
        caPem: c.ca,
        namespace: this.namespace,
        logger: logger && { info: (m: string) => logger.info({ output: this.name }, m), warn: (m: string) => logger.warn({ output: this.name }, m) },
      });
    } catch (err) {
      if (err instanceof O365AuditError) throw err;
      throw new OutputError(`Output "${this.name}": installing the index template and pipelines failed: ${(err as Error).message}`, {
        context: { output: this.name },
        cause: err,
      });
    }
  }

  write(raw: string, meta: RecordMeta, id: string | undefined): void | Promise<void> {
    return this.queue.push(bulkItem(raw, meta, id));
  }

  protected async release(): Promise<void> {
    await this.transport.close().catch(() => {});
    await this.deadLetters.close().catch(() => {});
  }

  /** One batch: the whole request retried on 429/5xx/no answer, then only its retryable items. */
  private async send(batch: BulkItem[]): Promise<void> {
    let todo = batch.filter((i) => !i.done);
    const where = { output: this.name, index: this.index };
    for (let attempt = 1; todo.length > 0; attempt++) {
      let why: string;
      let retryAfter: number | undefined;
      let status: number | undefined;
      try {
        this.counts.requests++;
        const res = await this.transport.bulk(this.index, bulkBody(todo), this.query);
        status = res.status;
        if (res.status >= 200 && res.status < 300) {
          const left = await this.settle(todo, res.body);
          if (left === undefined) why = 'unreadable bulk response';
          else if (left.items.length === 0) return;
          else {
            todo = left.items;
            why = left.why;
          }
        } else if (res.status === 400 && DOCUMENT_REQUEST_ERRORS.has(requestError(res.body)?.type ?? '')) {
          // One document spoils the whole request: halve until it is alone, then dead-letter it.
          if (todo.length > 1) {
            const half = Math.ceil(todo.length / 2);
            await this.send(todo.slice(0, half));
            await this.send(todo.slice(half));
          } else {
            await this.deadLetter([[todo[0]!, { status: 400, error: requestError(res.body) }]]);
          }
          return;
        } else if (res.status === 413 && todo.length > 1) {
          const half = Math.ceil(todo.length / 2);
          await this.send(todo.slice(0, half));
          await this.send(todo.slice(half));
          return;
        } else if (res.status === 429 || res.status >= 500) {
          why = `HTTP ${res.status} ${errorSummary(res.body)}`.trim();
          retryAfter = parseRetryAfter(res.headers['retry-after']);
        } else {
          throw new OutputError(`Output "${this.name}": the cluster refused the bulk request (HTTP ${res.status} ${errorSummary(res.body)})${hint(res.status)}`, {
            context: { ...where, status: res.status },
          });
        }
      } catch (err) {
        if (!(err instanceof ClusterUnreachable)) throw err;
        why = err.message;
        status = undefined;
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new OutputError(`Output "${this.name}" could not index ${todo.length} records after ${attempt} attempts: ${why}`, {
          retryable: true,
          context: { ...where, status, attempts: attempt },
        });
      }
      this.counts.retries++;
      const delay = retryDelay(attempt, this.retry, retryAfter);
      this.deps.logger?.warn({ ...where, records: todo.length, reason: why, attempt, delayMs: delay }, 'bulk: retrying');
      await sleep(delay);
    }
  }

  /** Applies per-item outcomes; returns the items to retry, or undefined for an unusable response. */
  private async settle(todo: BulkItem[], body: unknown): Promise<{ items: BulkItem[]; why: string } | undefined> {
    const outcomes = readBulkResponse(body, todo.length);
    if (outcomes === undefined) return undefined;
    const retry: BulkItem[] = [];
    const dead: Array<[BulkItem, { status: number; error?: ItemError }]> = [];
    let why = '';
    for (let i = 0; i < todo.length; i++) {
      const o = outcomes[i]!;
      const item = todo[i]!;
      switch (o.kind) {
        case 'created':
          this.counts.created++;
          item.done = true;
          break;
        case 'duplicate':
          this.counts.duplicates++;
          item.done = true;
          break;
        case 'retry':
          retry.push(item);
          why ||= `item ${o.status} ${o.error?.type ?? ''}`.trim();
          break;
        case 'dead':
          dead.push([item, o]);
          break;
        case 'fatal':
          throw new OutputError(`Output "${this.name}": the cluster refused documents for a reason every document would share (${o.status} ${describe(o.error)})${hint(o.status, o.error)}`, {
            context: { output: this.name, index: this.index, status: o.status, errorType: o.error?.type },
          });
      }
    }
    await this.deadLetter(dead);
    return { items: retry, why };
  }

  /** Appends refused documents to the dead-letter file (fsynced); only then are they settled. */
  private async deadLetter(entries: Array<[BulkItem, { status: number; error?: ItemError }]>): Promise<void> {
    if (entries.length === 0) return;
    const letters: DeadLetter[] = entries.map(([item, o]) => ({
      index: this.index,
      id: item.id,
      status: o.status,
      error: o.error,
      contentType: item.contentType,
      tenantId: item.tenantId,
      message: itemRaw(item),
    }));
    await this.deadLetters.append(letters);
    for (const [item] of entries) item.done = true;
    const first = entries[0]![1];
    this.deps.logger?.warn(
      { output: this.name, index: this.index, count: entries.length, path: this.deadLetterPath, status: first.status, errorType: first.error?.type },
      'documents refused by the cluster were written to the dead-letter file',
    );
  }
}

export function createElasticsearchOutput(config: ElasticsearchOutputConfig, deps: ElasticsearchOutputDeps = {}): ElasticsearchOutput {
  return new ElasticsearchOutput(config, deps);
}
