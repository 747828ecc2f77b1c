// Gives any line-writing output (file, stdout) a record format: `withFormat(new FileOutput(…),
// 'wazuh')` writes Wazuh-shaped lines. Marks, flushes and positions stay the inner output's own.

import { formatRecord, type RecordFormat } from '../shared/record-format.js';
import type { Output, OutputPosition, OutputStats, RecordMeta } from './types.js';

export function withFormat(inner: Output, format: RecordFormat | undefined): Output {
  if (format === undefined || format === 'raw') return inner;
  return new FormattedOutput(inner, format);
}

class FormattedOutput implements Output {
  constructor(
    private readonly inner: Output,
    private readonly format: RecordFormat,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  open(committed: OutputPosition | undefined): Promise<void> {
    return this.inner.open(committed);
  }

  write(raw: string, meta: RecordMeta, id: string | undefined): void | Promise<void> {
    return this.inner.write(formatRecord(this.format, raw, meta), meta, id);
  }

  mark(): unknown {
    return this.inner.mark();
  }

  flushTo(mark: unknown): Promise<OutputPosition | undefined> {
    return this.inner.flushTo(mark);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  probe(signal: AbortSignal): Promise<void> {
    return this.inner.probe?.(signal) ?? Promise.resolve();
  }

  stats(): OutputStats {
    return this.inner.stats?.() ?? {};
  }
}
