// Read-only view of a state directory for `o365-audit state`: the last committed checkpoint of each
// stream, without taking the lock (a running collector keeps it). A commit that reached its journal
// but was not yet applied to the stream files is overlaid, as FileStateStore.load() would.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { validateCheckpoint } from '../state/checkpoint.js';
import { FileStateStore } from '../state/file-store.js';
import { streamKey, type MissingStream, type StreamCheckpoint } from '../state/types.js';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`Cannot read state file ${file}`, { context: { file }, cause: err });
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Streams the journal lists as committed whose checkpoint file is gone and not in its last commit.
 * `checkpoints` is what readCheckpoints() found (passed in, so the directory is read once).
 */
export async function readMissing(dir: string, checkpoints: readonly StreamCheckpoint[]): Promise<MissingStream[]> {
  const journal = await readJson(join(dir, 'commit.json'));
  if (!isObj(journal) || !Array.isArray(journal.known)) return [];
  const present = new Set(checkpoints.map((cp) => streamKey(cp.tenantId, cp.contentType)));
  const store = new FileStateStore(dir);
  return (journal.known as unknown[])
    .filter((k): k is [string, string] => Array.isArray(k) && typeof k[0] === 'string' && typeof k[1] === 'string')
    .filter(([t, c]) => !present.has(streamKey(t, c)))
    .map(([tenantId, contentType]) => ({ tenantId, contentType, file: store.streamFile(tenantId, contentType) }));
}

export async function readCheckpoints(dir: string): Promise<StreamCheckpoint[]> {
  const found = new Map<string, { seq: number; cp: StreamCheckpoint }>();
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError(`Cannot read state directory ${dir}`, { context: { file: dir }, cause: err });
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    for (const f of await readdir(join(dir, e.name), { withFileTypes: true })) {
      if (!f.isFile() || !f.name.endsWith('.json')) continue;
      const file = join(dir, e.name, f.name);
      const parsed = await readJson(file);
      if (!isObj(parsed) || parsed.format !== 'o365-audit/stream') continue;
      const cp = validateCheckpoint(parsed.checkpoint, file);
      found.set(streamKey(cp.tenantId, cp.contentType), { seq: typeof parsed.seq === 'number' ? parsed.seq : 0, cp });
    }
  }
  const journal = await readJson(join(dir, 'commit.json'));
  if (isObj(journal) && journal.format === 'o365-audit/commit' && typeof journal.seq === 'number' && Array.isArray(journal.streams)) {
    for (const raw of journal.streams) {
      const cp = validateCheckpoint(raw, join(dir, 'commit.json'));
      const key = streamKey(cp.tenantId, cp.contentType);
      if ((found.get(key)?.seq ?? -1) < journal.seq) found.set(key, { seq: journal.seq, cp });
    }
  }
  return [...found.values()].map((x) => x.cp);
}
