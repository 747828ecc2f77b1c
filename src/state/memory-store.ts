// In-memory StateStore for tests and library users who keep state elsewhere. Commits are deep
// copies, so later changes by the collector never leak into what counts as "committed".

import { cloneCheckpoint } from './checkpoint.js';
import { streamKey, type CommittedState, type StateStore, type StreamCheckpoint, type StreamIdBatch, type StreamIds } from './types.js';

/** What a MemoryStateStore holds: checkpoints, positions and, per stream key, Id -> contentCreated. */
export interface MemoryCommittedState extends CommittedState {
  ids: Map<string, Map<string, number>>;
}

function copyIds(ids: Map<string, Map<string, number>>): Map<string, Map<string, number>> {
  return new Map([...ids].map(([k, m]) => [k, new Map(m)]));
}

export class MemoryStateStore implements StateStore {
  private streams = new Map<string, StreamCheckpoint>();
  private outputs: Record<string, Record<string, unknown>> = {};
  private idMaps = new Map<string, Map<string, number>>();
  private crashed = false;
  /** Number of successful commits (tests check that flushes come first, or that nothing moved). */
  commits = 0;

  constructor(initial?: CommittedState | MemoryCommittedState) {
    if (initial) {
      for (const [k, cp] of initial.streams) this.streams.set(k, cloneCheckpoint(cp));
      this.outputs = structuredClone(initial.outputs);
      if ('ids' in initial) this.idMaps = copyIds(initial.ids);
    }
  }

  async load(): Promise<CommittedState> {
    return this.snapshot();
  }

  async commit(changed: StreamCheckpoint[], outputs: Record<string, Record<string, unknown>>, ids: StreamIdBatch[] = []): Promise<void> {
    if (this.crashed) return new Promise<void>(() => {}); // a dead process never finishes its commit
    for (const cp of changed) this.streams.set(streamKey(cp.tenantId, cp.contentType), cloneCheckpoint(cp));
    for (const b of ids) {
      const m = this.idMap(b.tenantId, b.contentType);
      for (const [created, list] of b.groups) for (const id of list) m.set(id, created);
      if (b.pruneBefore !== undefined) for (const [id, created] of m) if (created < b.pruneBefore) m.delete(id);
    }
    this.outputs = { ...this.outputs, ...structuredClone(outputs) };
    this.commits++;
  }

  ids(tenantId: string, contentType: string): StreamIds {
    const key = streamKey(tenantId, contentType);
    return {
      has: (id) => this.idMaps.get(key)?.has(id) ?? false,
      deliveredAt: (created) => [...(this.idMaps.get(key) ?? [])].filter(([, c]) => c === created).map(([id]) => id),
    };
  }

  /** The committed Ids of one stream, sorted (for tests). */
  committedIds(tenantId: string, contentType: string): string[] {
    return [...(this.idMaps.get(streamKey(tenantId, contentType))?.keys() ?? [])].sort();
  }

  /** A deep copy of what is committed now. */
  snapshot(): MemoryCommittedState {
    const streams = new Map<string, StreamCheckpoint>();
    for (const [k, cp] of this.streams) streams.set(k, cloneCheckpoint(cp));
    return { streams, outputs: structuredClone(this.outputs), ids: copyIds(this.idMaps) };
  }

  /**
   * Test helper simulating kill -9: from now on commits never complete; returns what was
   * committed, to seed the store of the "restarted" process.
   */
  crash(): MemoryCommittedState {
    this.crashed = true;
    return this.snapshot();
  }

  async close(): Promise<void> {}

  private idMap(tenantId: string, contentType: string): Map<string, number> {
    const key = streamKey(tenantId, contentType);
    let m = this.idMaps.get(key);
    if (m === undefined) this.idMaps.set(key, (m = new Map()));
    return m;
  }
}
