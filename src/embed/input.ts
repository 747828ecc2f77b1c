// openInput(): the collector as an async iterable of record batches with explicit acks (the
// Benthos/Redpanda Connect input shape). It runs the same collector as the CLI with one Output,
// the batch channel, and a state store that commits only over acked batches. The run starts at
// the first next(); config errors surface there.

import { EventEmitter } from 'node:events';
import { createCollector } from '../collector/collector.js';
import type { Logger, RunSummary } from '../collector/types.js';
import { buildCollectorOptions, type BuiltRuntime } from '../config/build.js';
import { loadConfig } from '../config/load.js';
import { createLogger, toCollectorLogger } from '../logging/logger.js';
import { FileStateStore } from '../state/file-store.js';
import { AckGatedStore } from './ack-gated-store.js';
import { BatchChannel, DEFAULT_LIMITS, type ChannelLimits } from './batch-channel.js';
import { ChannelOutput, EMBED_OUTPUT_NAME } from './channel-output.js';
import type { AuditBatch, AuditInput, InputEvents, InputOptions } from './types.js';

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 1) throw new RangeError(`openInput: ${name} must be a number >= 1 (got ${String(v)})`);
  return Math.floor(v);
}

function limitsOf(o: InputOptions): ChannelLimits {
  return {
    batchSize: positive('batchSize', o.batchSize, DEFAULT_LIMITS.batchSize),
    batchBytes: positive('batchBytes', o.batchBytes, DEFAULT_LIMITS.batchBytes),
    maxUnackedBatches: positive('maxUnackedBatches', o.maxUnackedBatches, DEFAULT_LIMITS.maxUnackedBatches),
    maxUnackedBytes: positive('maxUnackedBytes', o.maxUnackedBytes, DEFAULT_LIMITS.maxUnackedBytes),
  };
}

class Input extends EventEmitter implements AuditInput {
  private readonly channel: BatchChannel;
  private readonly abort = new AbortController();
  private iterating = false;
  private started: Promise<void> | undefined;
  private ended: Promise<void> | undefined;
  private finished = false;
  private failure: { err: unknown } | undefined;
  private gate: AckGatedStore | undefined;
  summary: RunSummary | undefined;

  constructor(private readonly options: InputOptions) {
    super();
    this.channel = new BatchChannel(limitsOf(options));
    const { signal } = options;
    if (signal?.aborted) this.requestStop();
    else signal?.addEventListener('abort', () => this.requestStop(), { once: true });
  }

  override on<E extends keyof InputEvents>(event: E, listener: InputEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof InputEvents>(event: E, listener: InputEvents[E]): this {
    return super.off(event, listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<AuditBatch> {
    if (this.iterating) throw new Error('an input has one consumer: iterate it once (use collect() with `concurrency` for parallel sinks)');
    this.iterating = true;
    return {
      next: () => this.next(),
      // `break` (or a throw) in a for-await loop: stop cleanly, then end.
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  async stop(): Promise<RunSummary | undefined> {
    this.requestStop();
    if (this.started) await this.started.catch(() => {});
    if (this.ended) await this.ended;
    if (this.failure) throw this.failure.err;
    return this.summary;
  }

  private requestStop(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.gate?.stop();
    this.channel.releaseWriters();
    this.channel.wake();
  }

  private async next(): Promise<IteratorResult<AuditBatch>> {
    this.started ??= this.start();
    await this.started;
    for (;;) {
      // After a stop no new batch is handed out: what was not handed out comes again next run.
      if (!this.abort.signal.aborted) {
        const b = this.channel.take();
        if (b) return { done: false, value: b };
      }
      if (this.finished) {
        if (this.failure) throw this.failure.err;
        return { done: true, value: undefined };
      }
      await this.channel.nextChange();
    }
  }

  /** Loads the config and starts the run in the background; resolves once it runs. */
  private async start(): Promise<void> {
    if (this.abort.signal.aborted) {
      this.finished = true;
      return;
    }
    const config = await loadConfig(this.options.config, this.options.configOptions);
    const logger: Logger = this.options.logger ?? toCollectorLogger(createLogger({ level: config.logLevel }));
    const gate = new AckGatedStore(
      new FileStateStore(config.stateDir),
      this.channel,
      EMBED_OUTPUT_NAME,
      logger,
      { onCheckpoint: (through) => this.emit('checkpoint', { through }), onError: (err) => this.emit('checkpointError', err) },
      this.options.ackGraceMs ?? 5000,
    );
    this.gate = gate;
    if (this.abort.signal.aborted) gate.stop();
    // The config's outputs are the CLI's; here the consumer is the only output.
    const runtime: BuiltRuntime = buildCollectorOptions({ ...config, outputs: [] }, { logger, state: gate });
    runtime.options.outputs = [new ChannelOutput(this.channel)];
    const collector = createCollector(runtime.options);
    for (const e of ['progress', 'streamError', 'lostSpan', 'lostBlob'] as const) {
      collector.on(e, ((arg: unknown) => void this.emit(e, arg)) as never);
    }
    // A running input is a live resource, like a listening server: the collector's own timers
    // are unref'd, and a run waiting for the consumer must not let the process exit under it.
    const keepAlive = setInterval(() => {}, 1 << 30);
    this.ended = collector
      .run({ once: this.options.once === true, signal: this.abort.signal })
      .then(
        (summary) => {
          this.summary = summary;
        },
        (err: unknown) => {
          this.failure = { err };
        },
      )
      .finally(async () => {
        clearInterval(keepAlive);
        await runtime.close();
        this.finished = true;
        this.channel.wake();
      });
  }
}

/**
 * Opens the collector as an input: `for await (const batch of openInput({ config }))`, forward
 * `batch.records`, then `await batch.ack()`. See the README's "Library usage".
 */
export function openInput(options: InputOptions): AuditInput {
  return new Input(options);
}
