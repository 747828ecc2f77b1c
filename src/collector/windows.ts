// The API's time limits in one place (management-api.md §3.4, §5.6, §7.3): listing windows are
// half-open on contentCreated, at most 24 h long, and may reach back at most 7 days. We keep a
// 5-minute safety margin from that edge (Elastic uses 167h55m) to absorb clock skew and queueing.

import type { StreamSettings } from './types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const MAX_WINDOW_MS = DAY_MS;
export const MAX_AGE_MS = 7 * DAY_MS;
export const AGE_SAFETY_MS = 5 * MINUTE_MS;
/** Dedup state is kept this much longer than the lookback, so the re-listed edge is always covered. */
export const PRUNE_MARGIN_MS = 5 * MINUTE_MS;

/** The oldest instant that may safely be listed at `now`. */
export function listingFloor(now: number): number {
  return now - MAX_AGE_MS + AGE_SAFETY_MS;
}

/** Where a stream that has no checkpoint starts. */
export function initialCursor(now: number, settings: StreamSettings): number {
  if (settings.onlyFutureEvents) return now;
  return Math.max(now - Math.min(settings.initialIntervalMs, MAX_AGE_MS), listingFloor(now));
}

export interface WindowPlan {
  /** [from, to) could no longer be listed: data in it is lost. */
  lost?: { from: number; to: number };
  /** The cursor after accounting for the lost span. */
  cursor: number;
  /** Listing range [start, end). */
  start: number;
  end: number;
}

/** Plans the next window for a stream whose cursor is before `now`. */
export function planWindow(cursor: number, now: number, settings: StreamSettings): WindowPlan {
  const floor = listingFloor(now);
  let lost: WindowPlan['lost'];
  if (cursor < floor) {
    lost = { from: cursor, to: floor };
    cursor = floor;
  }
  const windowMs = Math.max(1, Math.min(settings.windowMs, MAX_WINDOW_MS));
  const end = Math.min(cursor + windowMs, now);
  // The lookback widens the listed range but never beyond 24 h in total.
  const start = Math.max(cursor - Math.max(0, settings.lookbackMs), floor, end - MAX_WINDOW_MS);
  return lost ? { lost, cursor, start, end } : { cursor, start, end };
}
