// In-memory StateStore for tests and library users who keep state elsewhere. Commits are deep
// copies, so later changes by the collector never leak into what counts as "committed".

import { cloneCheckpoint } from './checkpoint.js';
import { streamKey, type CommittedState, type StateStore, type StreamCheckpoint } from './types.js';

export class MemoryStateStore implements StateStore {
  private streams = new Map<string, StreamCheckpoint>();
  private outputs: Record<string, Record<string, unknown>> = {};
  private crashed = false;
  /** Number of successful commits (tests check that flushes come first, or that nothing moved). */
  commits = 0;

  constructor(initial?: CommittedState) {
    if (initial) {
      for (const [k, cp] of initial.streams) this.streams.set(k, cloneCheckpoint(cp));
      this.outputs = structuredClone(initial.outputs);
    }
  }

  async load(): Promise<CommittedState> {
    return this.snapshot();
  }

  async commit(changed: StreamCheckpoint[], outputs: Record<string, Record<string, unknown>>): Promise<void> {
    if (this.crashed) return new Promise<void>(() => {}); // a dead process never finishes its commit
    for (const cp of changed) this.streams.set(streamKey(cp.tenantId, cp.contentType), cloneCheckpoint(cp));
    this.outputs = { ...this.outputs, ...structuredClone(outputs) };
    this.commits++;
  }

  /** A deep copy of what is committed now. */
  snapshot(): CommittedState {
    const streams = new Map<string, StreamCheckpoint>();
    for (const [k, cp] of this.streams) streams.set(k, cloneCheckpoint(cp));
    return { streams, outputs: structuredClone(this.outputs) };
  }

  /**
   * Test helper simulating kill -9: from now on commits never complete; returns what was
   * committed, to seed the store of the "restarted" process.
   */
  crash(): CommittedState {
    this.crashed = true;
    return this.snapshot();
  }

  async close(): Promise<void> {}
}
