// One tenant's view of time. "Now" is this machine's clock; the API's `Date` headers only ever hold
// cursors back (never past the server's clock when it is behind) and, when the two clocks disagree
// by more than SKEW_TOLERANCE_MS, block every decision that would lose data (a span declared
// lost). A skew is logged when it appears, changes or goes, and shows in the summary and state.

import type { ManagementApi } from '../api/types.js';
import { formatDuration } from '../shared/duration.js';
import { O365AuditError } from '../errors.js';
import type { Logger } from './types.js';
import { MINUTE_MS } from './windows.js';

/** Clocks closer than this agree (NTP keeps machines within well under a second). */
export const SKEW_TOLERANCE_MS = 3 * MINUTE_MS;

export interface ClockView {
  /** This machine's clock. */
  now: number;
  /** Cursors may move up to here: `now`, or earlier when the API's clock is behind. */
  target: number;
  /** The API's Date minus this machine's clock (the larger deviation recently seen), if known. */
  skewMs: number | undefined;
  /** The clocks disagree beyond SKEW_TOLERANCE_MS. */
  skewed: boolean;
}

/** A decision that would lose data was refused because the clocks disagree. */
export class ClockSkewError extends O365AuditError {
  readonly hint: string;
  constructor(message: string, skewMs: number) {
    super('O365_ERR_CLOCK_SKEW', message, { retryable: true, context: { skewMs } });
    this.hint = CLOCK_SKEW_HINT;
  }
}

export const CLOCK_SKEW_HINT =
  "this machine's clock and the API's Date header disagree: check NTP on this machine (timedatectl / w32tm), and any proxy that rewrites Date; nothing is declared lost while they disagree";

/** "+8d 0h" / "-10m 0s": the API's clock relative to this machine's. */
export function formatSkew(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${formatDuration(Math.abs(ms))}`;
}

export class TenantClock {
  /** Largest |skew| beyond the tolerance seen in this run (signed), for the summary. */
  worstSkewMs: number | undefined;
  private reported: number | undefined;

  constructor(
    private readonly api: ManagementApi,
    private readonly local: () => number,
    private readonly logger: Logger,
    private readonly fields: Record<string, string>,
  ) {}

  /** The clocks now, noting a skew (log, worstSkewMs): for the collector's own decisions. */
  read(): ClockView {
    const view = this.peek();
    if (view.skewMs !== undefined) this.note(view.skewed, view.skewMs);
    return view;
  }

  /** The clocks now, with no side effect (no log, worstSkewMs unchanged): for status, metrics, probes. */
  peek(): ClockView {
    const now = this.local();
    const s = this.api.clockSkew();
    if (s === undefined) return { now, target: now, skewMs: undefined, skewed: false };
    const behind = s.minMs;
    const ahead = s.maxMs + 1000; // Date is truncated to the second: the server may be up to 1 s later
    const skewMs = -behind > ahead ? behind : s.maxMs + 500;
    const skewed = -behind > SKEW_TOLERANCE_MS || ahead > SKEW_TOLERANCE_MS;
    // Never past the server's clock as last seen behind (within the tolerance too: it is free).
    const target = now + Math.min(0, behind);
    return { now, target, skewMs, skewed };
  }

  private note(skewed: boolean, skewMs: number): void {
    if (skewed) {
      if (this.worstSkewMs === undefined || Math.abs(skewMs) > Math.abs(this.worstSkewMs)) this.worstSkewMs = skewMs;
      if (this.reported !== undefined && Math.abs(skewMs - this.reported) < SKEW_TOLERANCE_MS) return;
      this.reported = skewMs;
      this.logger.warn(
        { ...this.fields, skewMs, skew: formatSkew(skewMs), hint: CLOCK_SKEW_HINT },
        skewMs < 0
          ? "clock skew: the API's Date is behind this machine's clock; cursors stay behind the API's clock and no span is declared lost until the clocks agree"
          : "clock skew: the API's Date is ahead of this machine's clock; cursors follow this machine's clock and no span is declared lost until the clocks agree",
      );
    } else if (this.reported !== undefined) {
      this.reported = undefined;
      this.logger.info({ ...this.fields, skewMs }, "clock skew gone: the API's Date and this machine's clock agree again");
    }
  }
}
