// Window planning: half-open ranges of at most windowMs, widened by the lookback but never past 24 h
// or the 7-day edge, and a lost span when the cursor is older than the API can reach.

import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MIN, settings } from './testing/test-kit.js';
import { initialCursor, listingFloor, planWindow } from './windows.js';

const NOW = Date.UTC(2024, 2, 10, 12);

describe('planWindow', () => {
  it('ends at cursor + windowMs or now, and starts lookbackMs before the cursor', () => {
    expect(planWindow(NOW - 5 * HOUR, NOW, settings({ windowMs: HOUR, lookbackMs: 30 * MIN }))).toEqual({
      cursor: NOW - 5 * HOUR,
      start: NOW - 5 * HOUR - 30 * MIN,
      end: NOW - 4 * HOUR,
    });
    expect(planWindow(NOW - 10 * MIN, NOW, settings({ windowMs: HOUR })).end).toBe(NOW);
  });

  it('never lists more than 24 h, even with a 24 h window plus lookback', () => {
    const p = planWindow(NOW - 3 * DAY, NOW, settings({ windowMs: 30 * HOUR, lookbackMs: HOUR }));
    expect(p.end - p.cursor).toBe(DAY);
    expect(p.end - p.start).toBe(DAY);
  });

  it('reports the span older than 7 days minus the safety margin as lost and starts at that edge', () => {
    const p = planWindow(NOW - 9 * DAY, NOW, settings({ windowMs: HOUR, lookbackMs: 30 * MIN }));
    expect(p.lost).toEqual({ from: NOW - 9 * DAY, to: listingFloor(NOW) });
    expect(listingFloor(NOW)).toBe(NOW - 7 * DAY + 5 * MIN);
    expect(p.cursor).toBe(listingFloor(NOW));
    expect(p.start).toBe(listingFloor(NOW)); // the lookback is clamped too
    expect(p.end).toBe(listingFloor(NOW) + HOUR);
  });

  it('starts a new stream initial_interval back (at most to the 7-day edge), or at now', () => {
    expect(initialCursor(NOW, settings({ initialIntervalMs: DAY }))).toBe(NOW - DAY);
    expect(initialCursor(NOW, settings({ initialIntervalMs: 30 * DAY }))).toBe(listingFloor(NOW));
    expect(initialCursor(NOW, settings({ onlyFutureEvents: true }))).toBe(NOW);
  });
});
