// Window planning: half-open ranges of at most windowMs, widened by the lookback but never past 24 h
// or the 7-day edge; a cursor older than that edge is marked stale and listed from itself (only the
// API's refusal makes its span lost, see stream.ts).

import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MIN, settings } from './testing/test-kit.js';
import { initialCursor, listingFloor, planWindow } from './windows.js';

const NOW = Date.UTC(2024, 2, 10, 12);

describe('planWindow', () => {
  it('ends at cursor + windowMs or now, and starts lookbackMs before the cursor', () => {
    expect(planWindow(NOW - 5 * HOUR, NOW, NOW, settings({ windowMs: HOUR, lookbackMs: 30 * MIN }))).toEqual({
      stale: false,
      start: NOW - 5 * HOUR - 30 * MIN,
      end: NOW - 4 * HOUR,
    });
    expect(planWindow(NOW - 10 * MIN, NOW, NOW, settings({ windowMs: HOUR })).end).toBe(NOW);
    // Never past the target (the API's clock when it is behind ours).
    expect(planWindow(NOW - 10 * MIN, NOW, NOW - 4 * MIN, settings({ windowMs: HOUR })).end).toBe(NOW - 4 * MIN);
  });

  it('never lists more than 24 h, even with a 24 h window plus lookback', () => {
    const p = planWindow(NOW - 3 * DAY, NOW, NOW, settings({ windowMs: 30 * HOUR, lookbackMs: HOUR }));
    expect(p.end - (NOW - 3 * DAY)).toBe(DAY);
    expect(p.end - p.start).toBe(DAY);
  });

  it('marks a cursor older than 7 days minus the safety margin stale and lists from it, without lookback', () => {
    const p = planWindow(NOW - 9 * DAY, NOW, NOW, settings({ windowMs: HOUR, lookbackMs: 30 * MIN }));
    expect(listingFloor(NOW)).toBe(NOW - 7 * DAY + 5 * MIN);
    expect(p).toEqual({ stale: true, start: NOW - 9 * DAY, end: NOW - 9 * DAY + HOUR });
    // Just inside the edge: not stale, and the lookback is clamped to the floor.
    const q = planWindow(listingFloor(NOW) + MIN, NOW, NOW, settings({ windowMs: HOUR, lookbackMs: 30 * MIN }));
    expect(q).toEqual({ stale: false, start: listingFloor(NOW), end: listingFloor(NOW) + MIN + HOUR });
  });

  it('a first run with initial_interval 7d starts at the floor, and a later now only makes it stale (no loss by clock)', () => {
    const c = initialCursor(NOW, settings({ initialIntervalMs: 7 * DAY }));
    const p = planWindow(c, NOW + 2000, NOW + 2000, settings({ windowMs: HOUR }));
    expect(p).toEqual({ stale: true, start: c, end: c + HOUR });
  });

  it('starts a new stream initial_interval back (at most to the 7-day edge), or at now', () => {
    expect(initialCursor(NOW, settings({ initialIntervalMs: DAY }))).toBe(NOW - DAY);
    expect(initialCursor(NOW, settings({ initialIntervalMs: 30 * DAY }))).toBe(listingFloor(NOW));
    expect(initialCursor(NOW, settings({ onlyFutureEvents: true }))).toBe(NOW);
  });
});
