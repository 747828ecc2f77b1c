// Compares delivered records (an NDJSON file) with what a source says should have arrived: every
// expected Id exactly once, nothing unexpected. Used by `demo` and the end-to-end tests.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface DeliveredFile {
  /** Id -> how many times it appears. */
  counts: Map<string, number>;
  lines: number;
  /** Lines that are not JSON objects with a string Id. */
  malformed: number;
  samples: string[];
}

export async function readDelivered(path: string, sampleCount = 2): Promise<DeliveredFile> {
  const counts = new Map<string, number>();
  const samples: string[] = [];
  let lines = 0;
  let malformed = 0;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line === '') continue;
    lines++;
    if (samples.length < sampleCount) samples.push(line);
    try {
      const id = (JSON.parse(line) as { Id?: unknown }).Id;
      if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
      else malformed++;
    } catch {
      malformed++;
    }
  }
  return { counts, lines, malformed, samples };
}

export interface ExactlyOnceResult {
  ok: boolean;
  expected: number;
  delivered: number;
  missing: string[];
  duplicated: string[];
  unexpected: string[];
}

/**
 * `expected`: Ids that must each arrive exactly once. `allowed`: Ids that may also arrive (e.g.
 * content that became listable while the run went on); defaults to `expected`.
 */
export function checkExactlyOnce(file: DeliveredFile, expected: Set<string>, allowed: Set<string> = expected): ExactlyOnceResult {
  const missing = [...expected].filter((id) => !file.counts.has(id));
  const duplicated = [...file.counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...file.counts.keys()].filter((id) => !expected.has(id) && !allowed.has(id));
  return {
    ok: missing.length === 0 && duplicated.length === 0 && unexpected.length === 0 && file.malformed === 0,
    expected: expected.size,
    delivered: file.lines,
    missing,
    duplicated,
    unexpected,
  };
}
