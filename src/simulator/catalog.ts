// What a blob looks like to a client at a given time: when it appears in listings, whether its
// descriptor is expired or points at the foreign host, and therefore whether its records belong to
// the ground truth ("reachable by a correct collector").

import type { Feed } from './data-model.js';
import type { FaultState } from './faults.js';
import { hash, unit } from './rng.js';

export const SEVEN_DAYS = 7 * 86400_000;

export class Catalog {
  constructor(
    private readonly seed: number,
    private readonly faults: FaultState,
    private readonly startedAt: number,
  ) {}

  private draw(feed: Feed, b: number, salt: number): number {
    return unit(hash(this.seed, feed.cfg.tenantIndex, feed.cfg.ctIndex, b, salt));
  }

  /** When blob b starts to appear in listings. */
  visibleAt(feed: Feed, b: number): number {
    const created = feed.created[b] as number;
    const late = this.faults.lateListed();
    if (late.rate > 0) {
      const visible = this.startedAt + late.delayMs;
      if (created >= this.startedAt - late.maxLagMs && created < visible && this.draw(feed, b, 0x1a7e) < late.rate) return visible;
    }
    return created;
  }

  /** Listed with contentExpiration already past (fault); GET answers AF20051. */
  isExpiredFault(feed: Feed, b: number): boolean {
    const r = this.faults.share('expiredContent');
    return r > 0 && this.draw(feed, b, 0xe1) < r;
  }

  /** contentUri on the foreign host (fault); never both this and expired. */
  isForeign(feed: Feed, b: number): boolean {
    const r = this.faults.share('foreignContentUri');
    return r > 0 && !this.isExpiredFault(feed, b) && this.draw(feed, b, 0xf0) < r;
  }

  expiration(feed: Feed, b: number): number {
    const created = feed.created[b] as number;
    return this.isExpiredFault(feed, b) ? created : created + SEVEN_DAYS;
  }

  /** Listed at `now` (window filtering aside). */
  listed(feed: Feed, b: number, now: number): boolean {
    return this.visibleAt(feed, b) <= now;
  }

  /** Its records are served to a collector that lists at `at`. */
  reachable(feed: Feed, b: number, at: number): boolean {
    const created = feed.created[b] as number;
    return (
      created >= at - SEVEN_DAYS && this.visibleAt(feed, b) <= at && !this.isExpiredFault(feed, b) && !this.isForeign(feed, b)
    );
  }

  /** Ids of every record in blobs reachable at `at` with contentCreated >= since. */
  groundTruth(feed: Feed, at: number, since = -Infinity): Set<string> {
    const out = new Set<string>();
    const dups = this.faults.dupShares();
    for (let b = feed.lowerBound(Math.max(since, at - SEVEN_DAYS)); b < feed.blobs; b++) {
      if (!this.reachable(feed, b, at)) continue;
      const n = feed.served(b, dups);
      for (let j = 0; j < n; j++) {
        const [sb, sr] = feed.recordRef(b, j, dups);
        out.add(feed.recordId(sb, sr));
      }
    }
    return out;
  }
}
