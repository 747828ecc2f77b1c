// Small helpers for collector tests: a logger that keeps entries, default stream settings, and an
// in-memory output that records writes, marks and flushes (with optional back-pressure/failures).

import type { Output, OutputPosition, RecordMeta } from '../../outputs/types.js';
import type { Logger, StreamSettings } from '../types.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function settings(over: Partial<StreamSettings> = {}): StreamSettings {
  return { windowMs: HOUR, lookbackMs: 30 * MIN, initialIntervalMs: DAY, onlyFutureEvents: false, blobConcurrency: 4, ...over };
}

/** Output keeping every line in memory; `failFlush` makes flushTo reject (a down sink). */
export class MemoryOutput implements Output {
  readonly lines: string[] = [];
  readonly metas: RecordMeta[] = [];
  /** The Id passed with each line. */
  readonly ids: Array<string | undefined> = [];
  readonly events: string[] = [];
  flushedTo = 0;
  failFlush = false;
  /** Simulated I/O time of a flush: records written meanwhile belong to the next commit. */
  flushDelayMs = 0;
  opened: OutputPosition | undefined | 'never' = 'never';
  constructor(readonly name = 'memory') {}
  async open(committed: OutputPosition | undefined): Promise<void> {
    this.opened = committed;
  }
  write(raw: string, meta: RecordMeta, id: string | undefined): void {
    this.lines.push(raw);
    this.metas.push(meta);
    this.ids.push(id);
  }
  mark(): number {
    return this.lines.length;
  }
  async flushTo(mark: unknown): Promise<OutputPosition> {
    this.events.push(`flush:${String(mark)}`);
    if (this.flushDelayMs > 0) await new Promise((r) => setTimeout(r, this.flushDelayMs));
    if (this.failFlush) throw new Error('sink down');
    this.flushedTo = mark as number;
    return { count: mark as number };
  }
  async close(): Promise<void> {
    this.events.push('close');
  }
}
