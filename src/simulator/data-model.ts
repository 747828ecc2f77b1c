// The feed of one (tenant, content type): blob times, content ids and records, all derived from the
// seed on demand. Only one Float64Array of blob times is stored, so a million records cost nothing
// until they are served.

import { Stream, hash, unit } from './rng.js';
import { GENERATORS, type TenantProfile } from './records/index.js';
import type { RecordContext, RecordGenerator } from './records/common.js';
import { wireTime } from './records/common.js';
import type { ContentType } from './types.js';

export interface FeedConfig {
  seed: number;
  tenantIndex: number;
  ctIndex: number;
  contentType: ContentType;
  tenant: TenantProfile;
  blobs: number;
  recordsPerBlob: number | [number, number];
  recordSizeTarget: number;
  spanMs: number;
  futureMs: number;
  startedAt: number;
  /** Record count of blob 0 when it is the huge blob. */
  hugeBlobRecords?: number;
}

const REGIONS = ['emea0012', 'emea0036', 'na0030', 'na0018', 'apac0007'];
const PAD = 'x'.repeat(1 << 16);
const MAX_LAG_MS = 2 * 3600_000;
/**
 * A repeated record comes from a blob at most this much older: Microsoft's pipeline re-stores a
 * record when it retries, so copies land in nearby blobs. The collector promises de-duplication
 * within its lookback horizon (30 min by default); copies farther apart are the downstream _id's job.
 */
const DUP_NEAR_MS = 20 * 60_000;

/** Shares of blobs that repeat records: near (DUP_NEAR_MS) and far (at least farGapMs older). */
export interface DupShares {
  near: number;
  far: number;
  farGapMs: number;
}

function tagOf(ct: ContentType): string {
  const under = ct.replace('.', '_');
  return `${under.toLowerCase()}$${under}`;
}

/** `YYYYMMDDHHmmssSSS`. */
function ts17(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T.Z]/g, '');
}

export type ContentIdLookup = number | 'malformed' | 'unknown';

export class Feed {
  readonly cfg: FeedConfig;
  /** contentCreated of each blob, ascending. */
  readonly created: Float64Array;
  private readonly width: number;
  private readonly tag: string;
  private readonly region: string;
  private readonly gen: RecordGenerator;

  constructor(cfg: FeedConfig) {
    this.cfg = cfg;
    const n = cfg.blobs;
    this.created = new Float64Array(n);
    const base = cfg.startedAt - cfg.spanMs;
    const total = cfg.spanMs + cfg.futureMs;
    // Each blob sits at a random point of its own slot, so times ascend without sorting.
    for (let i = 0; i < n; i++) {
      const u = unit(hash(cfg.seed, cfg.tenantIndex, cfg.ctIndex, i, 0xc4));
      this.created[i] = Math.floor(base + ((i + u) * total) / n);
    }
    this.width = Math.max(6, String(Math.max(0, n - 1)).length);
    this.tag = tagOf(cfg.contentType);
    this.region = REGIONS[hash(cfg.seed, cfg.tenantIndex, 0x4e) % REGIONS.length] as string;
    this.gen = GENERATORS[cfg.contentType];
  }

  get blobs(): number {
    return this.cfg.blobs;
  }

  private h(b: number, salt: number, k = 0): number {
    return hash(this.cfg.seed, this.cfg.tenantIndex, this.cfg.ctIndex, b, salt, k);
  }

  /** Index of the first blob with created >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.created.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.created[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Own records of blob b (duplicates excluded). */
  count(b: number): number {
    if (b === 0 && this.cfg.hugeBlobRecords !== undefined) return this.cfg.hugeBlobRecords;
    const r = this.cfg.recordsPerBlob;
    if (typeof r === 'number') return r;
    return r[0] + (this.h(b, 0xc0) % (r[1] - r[0] + 1));
  }

  /** Extra copies of earlier records that blob b carries, for a duplicate share `rate`. */
  dupCount(b: number, rate: number): number {
    if (b === 0 || rate <= 0 || unit(this.h(b, 0xd0)) >= rate) return 0;
    const src = this.dupBlob(b);
    if ((this.created[b] as number) - (this.created[src] as number) > DUP_NEAR_MS) return 0;
    return Math.min(1 + (this.h(b, 0xd1) % 3), this.count(src));
  }

  /**
   * Copies of records from a blob at least `gapMs` older that blob b carries (Microsoft hands some
   * records out again in a blob days later; the collector's Id index must still drop them).
   */
  farCount(b: number, rate: number, gapMs: number): number {
    if (rate <= 0 || unit(this.h(b, 0xe0)) >= rate) return 0;
    const src = this.farBlob(b, gapMs);
    return src < 0 ? 0 : Math.min(1 + (this.h(b, 0xe1) % 3), this.count(src));
  }

  /** Any blob created at least gapMs before blob b, or -1. */
  private farBlob(b: number, gapMs: number): number {
    const last = this.lowerBound((this.created[b] as number) - gapMs) - 1;
    return last < 0 ? -1 : this.h(b, 0xe2) % (last + 1);
  }

  /** Records served in blob b: its own, then near copies, then far copies. */
  served(b: number, d: DupShares): number {
    return this.count(b) + this.dupCount(b, d.near) + this.farCount(b, d.far, d.farGapMs);
  }

  /** The earlier blob whose records blob b repeats: one of the last five, else the previous one. */
  private dupBlob(b: number): number {
    const pick = b - 1 - (this.h(b, 0xd2) % Math.min(b, 5));
    const near = (this.created[b] as number) - (this.created[pick] as number) <= DUP_NEAR_MS;
    return near ? pick : b - 1;
  }

  /** Source (blob, record) of the k-th duplicate in blob b: consecutive records, so never twice in one blob. */
  dupSource(b: number, k: number): [number, number] {
    const src = this.dupBlob(b);
    const n = Math.max(1, this.count(src));
    return [src, (this.h(b, 0xd3) + k) % n];
  }

  /** Record (blob, index) of the j-th record served in blob b. */
  recordRef(b: number, j: number, d: DupShares): [number, number] {
    const own = this.count(b);
    if (j < own) return [b, j];
    const near = this.dupCount(b, d.near);
    if (j < own + near) return this.dupSource(b, j - own);
    // Far copies: consecutive records of the far blob, so never twice in one blob.
    const src = this.farBlob(b, d.farGapMs);
    const n = Math.max(1, this.count(src));
    return [src, (this.h(b, 0xe3) + j - own - near) % n];
  }

  contentId(b: number): string {
    const head = ts17(this.created[b] as number) + String(b).padStart(this.width, '0');
    return `${head}$${head}$${this.tag}$${this.region}`;
  }

  indexOf(contentId: string): ContentIdLookup {
    const m = /^(\d{17})(\d+)\$\1\2\$[a-z_]+\$[A-Za-z_]+\$[a-z]+\d{4}$/.exec(contentId);
    if (m === null) return 'malformed';
    const b = Number(m[2]);
    if (!Number.isSafeInteger(b) || b >= this.cfg.blobs) return 'unknown';
    return this.contentId(b) === contentId ? b : 'unknown';
  }

  private stream(b: number, r: number): Stream {
    return new Stream(hash(this.cfg.seed, this.cfg.tenantIndex, this.cfg.ctIndex, b, r, 0x5eed));
  }

  recordId(b: number, r: number): string {
    return this.stream(b, r).guid();
  }

  /** JSON text of record r of blob b. */
  record(b: number, r: number): string {
    const s = this.stream(b, r);
    const id = s.guid();
    const lag = s.chance(0.01) ? 3600_000 * (2 + s.int(70)) : 30_000 + s.int(MAX_LAG_MS);
    const creationMs = Math.floor(((this.created[b] as number) - lag) / 1000) * 1000;
    const ctx: RecordContext = { tenant: this.cfg.tenant, id, creationMs, creationTime: wireTime(creationMs) };
    const json = this.gen(s, ctx);
    const need = this.cfg.recordSizeTarget - json.length - 16;
    if (need <= 0) return json;
    return `${json.slice(0, -1)},"SimPadding":"${PAD.slice(0, Math.min(need, PAD.length))}"}`;
  }
}
