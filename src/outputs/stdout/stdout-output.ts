// Writes each record as one line to stdout (or another writable), honouring 'drain'. When the
// reader goes away (EPIPE, e.g. `| head`), later records are dropped, flushTo() rejects so nothing
// after that point is committed (the next run delivers it again) and onReaderGone() ends the run.

import type { Writable } from 'node:stream';
import { OutputError } from '../../errors.js';
import type { Output, OutputPosition, RecordMeta } from '../types.js';

export interface StdoutOutputOptions {
  /** Defaults to process.stdout. */
  stream?: Writable;
  name?: string;
  /** Called once when the reader has gone (EPIPE); the CLI aborts the run from here. */
  onReaderGone?: () => void;
}

export class StdoutOutput implements Output {
  readonly name: string;
  private readonly stream: Writable;
  private drain: Promise<void> | undefined;
  private resolveDrain: (() => void) | undefined;
  private gone = false;
  private failure: Error | undefined;
  private lines = 0;

  constructor(private readonly options: StdoutOutputOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.name = options.name ?? 'stdout';
  }

  /** True once the reader has closed the pipe. */
  get readerGone(): boolean {
    return this.gone;
  }

  async open(_committed: OutputPosition | undefined): Promise<void> {
    this.stream.on('error', this.onError);
  }

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      if (!this.gone) {
        this.gone = true;
        this.options.onReaderGone?.();
      }
    } else {
      this.failure = err;
    }
    this.releaseDrain();
  };

  write(raw: string, _meta: RecordMeta): void | Promise<void> {
    if (this.gone || this.failure) return;
    this.lines++;
    if (!this.stream.write(raw + '\n')) {
      if (this.drain === undefined) {
        this.drain = new Promise<void>((r) => (this.resolveDrain = r));
        this.stream.once('drain', this.releaseDrain);
      }
      return this.drain;
    }
  }

  private readonly releaseDrain = (): void => {
    const r = this.resolveDrain;
    this.drain = undefined;
    this.resolveDrain = undefined;
    r?.();
  };

  mark(): number {
    return this.lines;
  }

  async flushTo(_mark: unknown): Promise<OutputPosition | undefined> {
    // Wait until what was written so far has left our buffers (a pipe gives no stronger guarantee).
    if (!this.gone && !this.failure && this.stream.writableNeedDrain) {
      await new Promise<void>((r) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          r();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
      });
    }
    if (this.gone) {
      throw new OutputError('stdout was closed by its reader (EPIPE); records after the last commit will be delivered again next run', {
        context: { output: this.name, reason: 'EPIPE' },
      });
    }
    if (this.failure) {
      throw new OutputError(`Cannot write to stdout: ${this.failure.message}`, { context: { output: this.name }, cause: this.failure });
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.stream.off('error', this.onError);
    this.releaseDrain();
  }
}
