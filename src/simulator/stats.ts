// Counters the tests and benchmarks read through `stats()`; snapshots are deep copies.

import type { ForeignRequest, SimStats } from './types.js';

export class StatsRecorder {
  private s: SimStats = {
    requests: 0,
    requestsByRoute: {},
    withoutPublisherIdentifier: 0,
    rejectedWindows: 0,
    windowsOver24h: 0,
    tokensIssued: 0,
    tokenErrors: 0,
    unauthorized: 0,
    throttles: 0,
    serverErrors: 0,
    cutBodies: 0,
    trickledBytes: 0,
    slowed: 0,
    foreignRequests: 0,
    foreignWithAuthorization: 0,
    foreignLog: [],
    maxConcurrentBlobs: {},
    starts: {},
    blobsServed: 0,
    recordsServed: 0,
    bytesServed: 0,
  };
  private readonly inFlight = new Map<string, number>();

  get raw(): SimStats {
    return this.s;
  }

  route(name: string): void {
    this.s.requests++;
    this.s.requestsByRoute[name] = (this.s.requestsByRoute[name] ?? 0) + 1;
  }

  start(tenantId: string, contentType: string): void {
    const t = (this.s.starts[tenantId] ??= {});
    t[contentType] = (t[contentType] ?? 0) + 1;
  }

  foreign(r: ForeignRequest): void {
    this.s.foreignRequests++;
    if (r.authorization) this.s.foreignWithAuthorization++;
    this.s.foreignLog.push(r);
    if (this.s.foreignLog.length > 1000) this.s.foreignLog.shift();
  }

  /** Marks a blob request in flight; returns the function that ends it. */
  blobBegin(tenantId: string): () => void {
    const n = (this.inFlight.get(tenantId) ?? 0) + 1;
    this.inFlight.set(tenantId, n);
    if (n > (this.s.maxConcurrentBlobs[tenantId] ?? 0)) this.s.maxConcurrentBlobs[tenantId] = n;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight.set(tenantId, (this.inFlight.get(tenantId) ?? 1) - 1);
    };
  }

  snapshot(): SimStats {
    return structuredClone(this.s);
  }
}
