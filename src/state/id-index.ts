// The record-Id index of the file state store: every record Id delivered per (tenant, content type)
// for as long as the API can hand the record out again (7 days + lookback), on disk.
//
// Why LMDB (the `lmdb` package): lookups are synchronous memory-mapped B-tree reads (one per record,
// in the hot path, no promise), writes are ACID transactions, the data lives in the OS page cache
// rather than the JS heap (10 million Ids cost no heap at all), and the npm package ships prebuilt
// binaries for Linux, macOS and Windows as optional dependencies, so nothing is compiled or
// downloaded at install time. LevelDB (classic-level) reads only asynchronously, which would put a
// promise on every record; a format of our own would have to re-invent crash-safe B-tree updates.
//
// Crash safety with the checkpoint: the commit journal (file-store.ts) is the commit point and
// carries the Ids new since the previous commit; the index is applied after it in one LMDB
// transaction that also records the journal's sequence number. On load a journal newer than the
// index is applied again (puts are idempotent), so an Id is in the index only once the commit that
// holds its records is durable, and every committed Id reaches the index.
//
// Layout (one LMDB environment, three sub-databases):
//   ids:  [u16 stream][encoded Id]          -> [f64 contentCreated of the blob it came in]
//   exp:  [u16 stream][u32 hour][u32 seq]   -> [u8 length][encoded Id]... (the Ids of that hour)
//   meta: 'seq' -> last applied commit; 'stream:<tenant>/<content type>' -> u16 stream number
// Expiry drops whole hours: the exp lists of hours before the horizon name the Ids to remove.

import { chmodSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { StateError } from '../errors.js';
import { MAX_ID_KEY_BYTES, readIdKey, writeIdKey } from './id-key.js';
import type { StreamIdBatch, StreamIds } from './types.js';

const HOUR_MS = 3_600_000;
const MAX_STREAMS = 0xffff;
const STREAM_PREFIX = 'stream:';

export interface IdIndexStats {
  /** Ids held. */
  ids: number;
  /** Bytes the environment's pages take (used pages, not the file's sparse size). */
  usedBytes: number;
}

export class IdIndex {
  private readonly streams = new Map<string, number>();
  private nextStream = 1;
  /** Per stream number: the hour below which everything is already pruned. */
  private readonly prunedBelow = new Map<number, number>();
  private readonly lookupKey = Buffer.allocUnsafe(2 + MAX_ID_KEY_BYTES);
  private readonly writeKey = Buffer.allocUnsafe(2 + MAX_ID_KEY_BYTES);
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly ids: Database<Buffer, Buffer>,
    private readonly exp: Database<Buffer, Buffer>,
    private readonly meta: Database<unknown, string>,
  ) {
    for (const { key, value } of meta.getRange({ start: STREAM_PREFIX, end: `${STREAM_PREFIX}\uffff` })) {
      if (typeof value !== 'number') throw this.corrupt(`stream entry ${key} is not a number`);
      this.streams.set(key.slice(STREAM_PREFIX.length), value);
      if (value >= this.nextStream) this.nextStream = value + 1;
    }
  }

  /** Opens (creating) the index at `path` (a file; LMDB adds `<path>-lock`). */
  static open(path: string): IdIndex {
    let root: RootDatabase;
    try {
      root = open({ path, maxDbs: 4, compression: false, cache: false });
    } catch (cause) {
      throw new StateError(`Cannot open the record-Id index ${path}`, { context: { file: path }, cause });
    }
    // Record Ids are audit data: owner-only, like the rest of the state directory's files.
    for (const f of [path, `${path}-lock`]) {
      try {
        chmodSync(f, 0o600);
      } catch {
        // not fatal: the state directory itself is the access boundary
      }
    }
    const ids = root.openDB<Buffer, Buffer>({ name: 'ids', keyEncoding: 'binary', encoding: 'binary', compression: false });
    const exp = root.openDB<Buffer, Buffer>({ name: 'exp', keyEncoding: 'binary', encoding: 'binary', compression: false });
    const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack', compression: false });
    return new IdIndex(path, root, ids, exp, meta);
  }

  /** Sequence number of the last commit applied. */
  get seq(): number {
    const v = this.meta.get('seq');
    return typeof v === 'number' ? v : 0;
  }

  /** Synchronous membership test for one stream's Ids. */
  reader(tenantId: string, contentType: string): StreamIds {
    const name = `${tenantId}/${contentType}`;
    const key = this.lookupKey;
    const ids = this.ids;
    let no: number | undefined;
    return {
      has: (id: string): boolean => {
        no ??= this.streams.get(name);
        if (no === undefined) return false;
        key.writeUInt16BE(no, 0);
        const end = writeIdKey(id, key, 2);
        return ids.doesExist(key.subarray(0, end));
      },
      deliveredAt: (created: number): string[] => {
        no ??= this.streams.get(name);
        return no === undefined ? [] : this.deliveredAt(no, created);
      },
    };
  }

  /**
   * Adds the batches' Ids and drops expired hours, as the effect of commit `seq`, in one durable
   * transaction: after it resolves the index holds them and says it is at `seq`. Idempotent.
   */
  async apply(seq: number, batches: StreamIdBatch[]): Promise<void> {
    if (this.closed) throw new StateError(`The record-Id index ${this.path} is closed`, { context: { file: this.path } });
    const pruned: Array<[number, number]> = [];
    try {
      // putSync/removeSync inside the transaction: put() would also write at once but keeps a
      // promise per Id until the commit (~2 KiB of heap each: 40 MiB for a commit of 20,000 Ids in
      // the bench), and a catch-up commit can carry 100,000s of Ids.
      await this.root.transaction(() => {
        for (const b of batches) {
          const no = this.streamNo(b.tenantId, b.contentType);
          this.insert(no, seq, b);
          if (b.pruneBefore !== undefined) {
            const below = Math.floor(b.pruneBefore / HOUR_MS);
            if (below > (this.prunedBelow.get(no) ?? 0)) {
              this.pruneStream(no, below);
              pruned.push([no, below]);
            }
          }
        }
        this.meta.putSync('seq', seq);
      });
      await this.root.flushed;
    } catch (cause) {
      // A transaction that threw was aborted: stream numbers it assigned are not on disk.
      this.reloadStreams();
      throw new StateError(`Cannot update the record-Id index ${this.path}`, { context: { file: this.path }, cause });
    }
    for (const [no, below] of pruned) this.prunedBelow.set(no, below);
  }

  private deliveredAt(no: number, created: number): string[] {
    const hour = Math.floor(created / HOUR_MS);
    const key = Buffer.allocUnsafe(2 + MAX_ID_KEY_BYTES);
    key.writeUInt16BE(no, 0);
    const out: string[] = [];
    for (const { value } of this.exp.getRange({ start: expKey(no, hour, 0), end: expKey(no, hour + 1, 0) })) {
      for (let i = 0; i < value.length; ) {
        const n = value[i] as number;
        value.copy(key, 2, i + 1, i + 1 + n);
        const v = this.ids.getBinary(key.subarray(0, 2 + n));
        if (v !== undefined && v.length === 8 && v.readDoubleBE(0) === created) {
          const id = readIdKey(key, 2, 2 + n);
          if (id !== undefined) out.push(id);
        }
        i += 1 + n;
      }
    }
    return out;
  }

  stats(): IdIndexStats {
    const env = this.root.getStats() as { pageSize: number; treeBranchPageCount?: number };
    let pages = 0;
    for (const db of [this.ids, this.exp, this.meta]) {
      const s = db.getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
      pages += s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
    }
    const idStats = this.ids.getStats() as { entryCount: number };
    return { ids: idStats.entryCount, usedBytes: pages * env.pageSize };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }

  private streamNo(tenantId: string, contentType: string): number {
    const name = `${tenantId}/${contentType}`;
    let no = this.streams.get(name);
    if (no === undefined) {
      if (this.nextStream > MAX_STREAMS) throw new StateError(`The record-Id index ${this.path} holds the most streams it can (${MAX_STREAMS})`, { context: { file: this.path } });
      no = this.nextStream++;
      this.streams.set(name, no);
      this.meta.putSync(`${STREAM_PREFIX}${name}`, no);
    }
    return no;
  }

  private reloadStreams(): void {
    this.streams.clear();
    this.nextStream = 1;
    for (const { key, value } of this.meta.getRange({ start: STREAM_PREFIX, end: `${STREAM_PREFIX}\uffff` })) {
      this.streams.set(key.slice(STREAM_PREFIX.length), value as number);
      if ((value as number) >= this.nextStream) this.nextStream = (value as number) + 1;
    }
  }

  private insert(no: number, seq: number, b: StreamIdBatch): void {
    const key = this.writeKey;
    key.writeUInt16BE(no, 0);
    const byHour = new Map<number, Buffer[]>();
    for (const [created, list] of b.groups) {
      const hour = Math.floor(created / HOUR_MS);
      const value = Buffer.allocUnsafe(8);
      value.writeDoubleBE(created, 0);
      let parts = byHour.get(hour);
      if (parts === undefined) byHour.set(hour, (parts = []));
      for (const id of list) {
        const end = writeIdKey(id, key, 2);
        this.ids.putSync(Buffer.from(key.subarray(0, end)), value);
        const entry = Buffer.allocUnsafe(1 + end - 2);
        entry[0] = end - 2;
        key.copy(entry, 1, 2, end);
        parts.push(entry);
      }
    }
    for (const [hour, parts] of byHour) {
      if (parts.length === 0) continue;
      this.exp.putSync(expKey(no, hour, seq), Buffer.concat(parts));
    }
  }

  /** Removes the Ids of every hour of stream `no` before `below`, with their lists. */
  private pruneStream(no: number, below: number): void {
    const key = Buffer.allocUnsafe(2 + MAX_ID_KEY_BYTES);
    key.writeUInt16BE(no, 0);
    const lists: Buffer[] = [];
    for (const { key: k, value } of this.exp.getRange({ start: expKey(no, 0, 0), end: expKey(no, below, 0) })) {
      const hour = k.readUInt32BE(2);
      for (let i = 0; i < value.length; ) {
        const n = value[i] as number;
        value.copy(key, 2, i + 1, i + 1 + n);
        const idKey = Buffer.from(key.subarray(0, 2 + n));
        // Only if the Id still belongs to this hour (it was not delivered again later).
        const v = this.ids.getBinary(idKey);
        if (v !== undefined && v.length === 8 && Math.floor(v.readDoubleBE(0) / HOUR_MS) === hour) this.ids.removeSync(idKey);
        i += 1 + n;
      }
      lists.push(Buffer.from(k));
    }
    for (const k of lists) this.exp.removeSync(k);
  }

  private corrupt(why: string): StateError {
    return new StateError(`The record-Id index ${this.path} is corrupt: ${why}. Delete it (${this.path} and ${this.path}-lock); repeats of records already delivered may then be delivered again.`, {
      context: { file: this.path },
    });
  }
}

function expKey(no: number, hour: number, seq: number): Buffer {
  const k = Buffer.allocUnsafe(10);
  k.writeUInt16BE(no, 0);
  k.writeUInt32BE(hour, 2);
  k.writeUInt32BE(seq >>> 0, 6);
  return k;
}
