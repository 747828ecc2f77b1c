// An Output decorator that counts what any output does, so metrics and readiness need nothing from
// the outputs themselves: records written, queue depth (written but not yet durably accepted, from
// the delivery protocol's marks), flushes and errors. Batches and retries are the output's own
// figures (Output.stats, optional); the probe is forwarded.

import type { Output, OutputPosition, OutputStats } from '../outputs/types.js';

export interface OutputFigures {
  name: string;
  /** Records handed to write(). */
  written: number;
  /** Records durably accepted (up to the last mark whose flushTo resolved). */
  accepted: number;
  /** Failed writes and flushes. */
  errors: number;
  /** The last flush failed and none succeeded since. */
  failing: boolean;
  batches: number | undefined;
  retries: number | undefined;
}

export class InstrumentedOutput implements Output {
  private written = 0;
  private accepted = 0;
  private errors = 0;
  private failing = false;
  /** mark -> records written when it was taken. */
  private readonly marks = new Map<unknown, number>();

  constructor(readonly inner: Output) {}

  get name(): string {
    return this.inner.name;
  }

  open(committed: OutputPosition | undefined): Promise<void> {
    return this.inner.open(committed);
  }

  // Forwards whatever the contract passes, so a change of write()'s arguments needs no edit here.
  write(...args: Parameters<Output['write']>): ReturnType<Output['write']> {
    this.written++;
    let r: ReturnType<Output['write']>;
    try {
      r = this.inner.write(...args);
    } catch (err) {
      this.errors++;
      throw err;
    }
    if (r) {
      return r.catch((err: unknown) => {
        this.errors++;
        throw err;
      });
    }
    return r;
  }

  mark(): unknown {
    const m = this.inner.mark();
    this.marks.set(m, this.written);
    return m;
  }

  async flushTo(mark: unknown): Promise<OutputPosition | undefined> {
    const upTo = this.marks.get(mark);
    this.marks.delete(mark);
    try {
      const pos = await this.inner.flushTo(mark);
      if (upTo !== undefined && upTo > this.accepted) this.accepted = upTo;
      this.failing = false;
      return pos;
    } catch (err) {
      this.errors++;
      this.failing = true;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  bindCommitRequest(request: () => void): void {
    this.inner.bindCommitRequest?.(request);
  }

  probe(signal: AbortSignal): Promise<void> {
    return this.inner.probe?.(signal) ?? Promise.resolve();
  }

  stats(): OutputStats {
    return this.inner.stats?.() ?? {};
  }

  figures(): OutputFigures {
    const s = this.stats();
    return {
      name: this.name,
      written: this.written,
      accepted: this.accepted,
      errors: this.errors,
      failing: this.failing,
      batches: s.batches,
      retries: s.retries,
    };
  }
}
