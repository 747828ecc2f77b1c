// The API's time limits in one place (management-api.md §3.4, §5.6, §7.3): listing windows are
// half-open on contentCreated, at most 24 h long, and may reach back at most 7 days. We keep a
// 5-minute safety margin from that edge (Elastic uses 167h55m) to absorb clock skew and queueing;
// a cursor already past that edge is still tried, and only the API's refusal makes its span lost.

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
  /**
   * The cursor is older than the listing floor: the API may already refuse [start, end). Only its
   * refusal (AF20030/AF20055) makes the span lost, never this machine's clock alone.
   */
  stale: boolean;
  /** Listing range [start, end). */
  start: number;
  end: number;
}

/**
 * Plans the next window for a stream whose cursor is before `target` (the latest instant a cursor
 * may reach, see clock.ts); `now` is this machine's clock.
 */
export function planWindow(cursor: number, now: number, target: number, settings: StreamSettings): WindowPlan {
  const floor = listingFloor(now);
  const windowMs = Math.max(1, Math.min(settings.windowMs, MAX_WINDOW_MS));
  const end = Math.min(cursor + windowMs, target);
  // The lookback widens the listed range but never beyond 24 h in total, nor past the floor (a
  // stale cursor is listed from itself: the API decides whether that is still possible).
  const start = Math.max(cursor - Math.max(0, settings.lookbackMs), Math.min(floor, cursor), end - MAX_WINDOW_MS);
  return { stale: cursor < floor, start, end };
}
