// The collector engine: streams, windows, de-duplication and the commit protocol.
export { createCollector, type Collector, type CollectorInternals } from './collector.js';
export { planWindow, listingFloor, initialCursor, type WindowPlan } from './windows.js';
export { START_INTERVAL_MS } from './subscriptions.js';
export type * from './types.js';
