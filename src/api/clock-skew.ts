// What the API's `Date` headers say about its clock compared with this machine's. The collector
// never takes its "now" from them (one skewed response, or a proxy that rewrites Date, must not move
// a cursor); it uses them to hold cursors behind a server that is behind, and to refuse decisions
// that lose data while the two clocks disagree. Extremes are kept over a recent window, so a skew
// seen on some responses only is not hidden by the normal ones around it, and is forgotten once
// it has stopped for that long.

/** How long a skewed reading keeps counting after the last response that showed it. */
export const SKEW_MEMORY_MS = 10 * 60_000;

export interface ClockSkew {
  /** Server Date minus this machine's clock at the last response, ms (Date is whole seconds: +500). */
  lastMs: number;
  /**
   * Lowest and highest skew seen within SKEW_MEMORY_MS. Lower bounds (Date truncated to the
   * second, no +500): `now + minMs` is never later than the server's clock as last seen behind.
   */
  minMs: number;
  maxMs: number;
  /** Responses with a usable Date header so far. */
  samples: number;
}

interface Extreme {
  ms: number;
  at: number;
}

export class ClockSkewTracker {
  #last: number | undefined;
  #min: Extreme | undefined;
  #max: Extreme | undefined;
  #samples = 0;

  /** Notes one response's Date header (`dateMs`, whole seconds) received at local time `at`. */
  observe(dateMs: number, at: number): void {
    const ms = dateMs - at;
    this.#last = ms;
    this.#samples++;
    // A remembered extreme is replaced by a more extreme reading, or by any reading once it is old.
    if (this.#min === undefined || ms <= this.#min.ms || at - this.#min.at > SKEW_MEMORY_MS) this.#min = { ms, at };
    if (this.#max === undefined || ms >= this.#max.ms || at - this.#max.at > SKEW_MEMORY_MS) this.#max = { ms, at };
  }

  /** The readings as of local time `now`; undefined before any response carried a Date. */
  read(now: number): ClockSkew | undefined {
    if (this.#last === undefined || this.#min === undefined || this.#max === undefined) return undefined;
    const last = this.#last;
    const min = now - this.#min.at > SKEW_MEMORY_MS ? last : this.#min.ms;
    const max = now - this.#max.at > SKEW_MEMORY_MS ? last : this.#max.ms;
    return { lastMs: last + 500, minMs: Math.min(min, last), maxMs: Math.max(max, last), samples: this.#samples };
  }
}
