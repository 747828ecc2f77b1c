// `output.type: http`: POSTs batches of records (raw or wazuh lines) as NDJSON or a JSON array to
// one URL, e.g. a Vector `http_server` source, a Fluent Bit `http` input or a Logstash `http` input.
// At-least-once: flushTo(mark) resolves only after a 2xx for every batch up to the mark.

import { probeConnect } from '../probe.js';
import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from '../../logging/types.js';
import { ConfigError, OutputError } from '../../errors.js';
import type { Output, OutputPosition, RecordMeta } from '../types.js';
import { formatRecord, type RecordFormat } from '../../shared/record-format.js';
import { OUTPUT_RETRY, parseRetryAfter, retryDelay, type RetryPolicy } from '../../shared/retry.js';
import { sleep } from '../../shared/sleep.js';
import { BatchQueue } from '../../shared/batch-queue.js';
import { BatchedOutput } from '../batched-output.js';

/** Normalised (camelCase) config of one http output, as the registry passes it. */
export interface HttpOutputConfig {
  type: 'http';
  name?: string;
  url: string;
  /** Line format of each record (default raw). */
  format?: RecordFormat;
  /** Body framing: one record per line (default), or one JSON array (Fluent Bit's http input wants this). */
  encoding?: 'ndjson' | 'json_array';
  headers?: Record<string, string>;
  auth?: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };
  /** PEM text of extra CAs trusted for an https URL. */
  ca?: string;
  batchMaxBytes?: number;
  batchMaxDocs?: number;
  flushIntervalMs?: number;
  maxBufferBytes?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface HttpOutputDeps {
  logger?: Logger;
}

interface Line {
  text: string;
  bytes: number;
}

/** Defaults chosen below Fluent Bit's http input `buffer_max_size` (4 MiB) and Logstash's default. */
export const HTTP_DEFAULTS = { batchMaxBytes: 1 << 20, batchMaxDocs: 500, flushIntervalMs: 1000, requestTimeoutMs: 30_000 } as const;

export class HttpOutput extends BatchedOutput<Line> implements Output {
  readonly name: string;
  private readonly url: URL;
  private readonly format: RecordFormat;
  private readonly encoding: 'ndjson' | 'json_array';
  private readonly headers: Record<string, string>;
  private readonly retry: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  protected readonly queue: BatchQueue<Line>;
  private readonly logger: Logger | undefined;
  private readonly requestTimeoutMs: number;
  private batches = 0;
  private retries = 0;

  constructor(config: HttpOutputConfig, deps: HttpOutputDeps = {}) {
    super();
    this.name = config.name ?? 'http';
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new ConfigError(`Output "${this.name}": url is not a URL`, 'output.url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`Output "${this.name}": ${url.protocol} URLs are not supported (http or https)`, 'output.url');
    // Credentials in the URL become basic auth (unless auth is configured) and leave the URL, which is logged.
    const urlAuth = url.username !== '' ? { kind: 'basic' as const, username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
    url.username = url.password = '';
    this.url = url;
    const auth = config.auth ?? urlAuth;
    this.format = config.format ?? 'raw';
    this.encoding = config.encoding ?? 'ndjson';
    this.logger = deps.logger;
    this.retry = { ...OUTPUT_RETRY, ...config.retry };
    this.requestTimeoutMs = config.requestTimeoutMs ?? HTTP_DEFAULTS.requestTimeoutMs;
    this.headers = {
      'content-type': this.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      ...lowerKeys(config.headers ?? {}),
    };
    if (auth?.kind === 'basic') {
      this.headers.authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    } else if (auth?.kind === 'bearer') {
      this.headers.authorization = `Bearer ${auth.token}`;
    }
    this.dispatcher = new Agent({
      connect: config.ca ? { ca: config.ca } : {},
      headersTimeout: this.requestTimeoutMs,
      bodyTimeout: this.requestTimeoutMs,
    });
    const batchMaxBytes = config.batchMaxBytes ?? HTTP_DEFAULTS.batchMaxBytes;
    this.queue = new BatchQueue<Line>({
      name: this.name,
      batchMaxBytes,
      batchMaxDocs: config.batchMaxDocs ?? HTTP_DEFAULTS.batchMaxDocs,
      flushIntervalMs: config.flushIntervalMs ?? HTTP_DEFAULTS.flushIntervalMs,
      maxBufferBytes: config.maxBufferBytes ?? Math.max(4 * batchMaxBytes, 8 << 20),
      send: (batch) => this.send(batch),
    });
  }

  /** Figures for the run summary and tests. */
  stats(): { confirmed: number; batches: number; retries: number } {
    return { confirmed: this.queue.confirmedCount, batches: this.batches, retries: this.retries };
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeConnect([this.url.href], signal);
  }

  async open(_committed: OutputPosition | undefined): Promise<void> {}

  write(raw: string, meta: RecordMeta): void | Promise<void> {
    const text = formatRecord(this.format, raw, meta);
    return this.queue.push({ text, bytes: Buffer.byteLength(text) + 1 });
  }

  protected async release(): Promise<void> {
    await this.dispatcher.close();
  }

  private body(batch: Line[]): string {
    const texts = batch.map((l) => l.text);
    return this.encoding === 'ndjson' ? texts.join('\n') + '\n' : '[' + texts.join(',') + ']';
  }

  /** One batch, retried on 429, 5xx and connection errors; a 413 splits the batch in two. */
  private async send(batch: Line[]): Promise<void> {
    const body = this.body(batch);
    const where = { output: this.name, url: this.url.origin + this.url.pathname };
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let retryAfter: number | undefined;
      let cause: unknown;
      try {
        const res = await request(this.url, { method: 'POST', body, headers: this.headers, dispatcher: this.dispatcher });
        status = res.statusCode;
        retryAfter = parseRetryAfter(res.headers['retry-after']);
        await res.body.dump();
      } catch (err) {
        cause = err;
      }
      if (status !== undefined && status >= 200 && status < 300) {
        this.batches++;
        return;
      }
      if (status === 413 && batch.length > 1) {
        // The receiver's body limit is below our batch bound: halve until it fits.
        const half = Math.ceil(batch.length / 2);
        this.logger?.warn({ ...where, records: batch.length }, 'receiver refused the batch as too large (413); splitting it');
        await this.send(batch.slice(0, half));
        await this.send(batch.slice(half));
        return;
      }
      const retryable = status === undefined || status === 429 || status === 408 || status >= 500;
      if (!retryable || attempt >= this.retry.maxAttempts) {
        const what = status === undefined ? `connection failed (${errorCode(cause)})` : `HTTP ${status}`;
        throw new OutputError(
          `Output "${this.name}" could not POST ${batch.length} records to ${where.url}: ${what}` +
            (retryable ? ` after ${attempt} attempts` : status === 413 ? '; raise the receiver\'s body limit (one record alone is too large)' : ''),
          { retryable, context: { ...where, status, attempts: attempt }, cause },
        );
      }
      this.retries++;
      const delay = retryDelay(attempt, this.retry, retryAfter);
      this.logger?.warn({ ...where, status, code: status === undefined ? errorCode(cause) : undefined, attempt, delayMs: delay }, 'http output: retrying batch');
      await sleep(delay);
    }
  }
}

export function createHttpOutput(config: HttpOutputConfig, deps: HttpOutputDeps = {}): HttpOutput {
  return new HttpOutput(config, deps);
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return String(e?.code ?? e?.cause?.code ?? 'unknown');
}
