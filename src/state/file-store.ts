// Durable StateStore: one JSON file per stream (<dir>/<tenant>/<content type>.json) plus the
// outputs' positions (<dir>/outputs.json). A commit first lands as one journal file
// (<dir>/commit.json, the commit point), then is applied to those files; load() replays a journal
// newer than the applied files, so a crash at any step leaves the old or the new set, never a mix.
// The journal also carries the record Ids delivered since the previous commit; they are applied to
// the record-Id index (<dir>/ids.mdb, see id-index.ts) like the stream files, and replayed likewise.

import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { writeFileAtomic, fsyncDir } from './atomic-file.js';
import { validateCheckpoint } from './checkpoint.js';
import { pathSegment } from './path-segment.js';
import { IdIndex } from './id-index.js';
import { acquireLock, releaseLock, type LockOwner } from './lock-file.js';
import { groupByCreated, streamKey, type CommittedState, type MissingStream, type StateStore, type StreamCheckpoint, type StreamIdBatch, type StreamIds } from './types.js';

type Positions = Record<string, Record<string, unknown>>;

interface Journal {
  format: 'o365-audit/commit';
  version: 1;
  seq: number;
  streams: StreamCheckpoint[];
  outputs: Positions;
  /**
   * Every stream committed so far, [tenantId, contentType]: a stream file that disappears is then
   * noticed (and restored from `streams` when this commit holds it), never silently started over.
   * Absent in journals written before it existed.
   */
  known?: Array<[string, string]>;
  /** Record Ids new since the previous commit (absent in journals written before the index). */
  ids?: StreamIdBatch[];
}

/** Points at which a test may simulate a crash (the hook throws). */
export type CommitStep = 'journal' | 'apply-stream' | 'apply-ids' | 'apply-outputs';

export interface FileStateStoreOptions {
  /** Test hook called before each step of a commit; throwing there simulates a crash at that point. */
  faultHook?: (step: CommitStep) => void;
  /** Told when a stale lock (its process gone) is taken over, with what the lock said. */
  onStaleLock?: (lockPath: string, previous: Partial<LockOwner> | undefined) => void;
}

const STREAM_FORMAT = 'o365-audit/stream';
const OUTPUTS_FORMAT = 'o365-audit/outputs';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class FileStateStore implements StateStore {
  private seq = 0;
  private loaded = false;
  /** A journal whose application failed: it is applied again before the next commit overwrites it. */
  private unapplied: Journal | undefined;
  private outputs: Positions = {};
  /** Every stream committed so far (see Journal.known). */
  private known = new Map<string, [string, string]>();
  private readonly lockPath: string;
  private index: IdIndex | undefined;

  constructor(
    readonly dir: string,
    private readonly options: FileStateStoreOptions = {},
  ) {
    this.lockPath = join(dir, 'lock');
  }

  streamFile(tenantId: string, contentType: string): string {
    return join(this.dir, pathSegment(tenantId), `${pathSegment(contentType)}.json`);
  }

  private get journalPath(): string {
    return join(this.dir, 'commit.json');
  }

  /** The record-Id index (LMDB adds `<path>-lock`). */
  get idIndexPath(): string {
    return join(this.dir, 'ids.mdb');
  }

  private get outputsPath(): string {
    return join(this.dir, 'outputs.json');
  }

  async load(): Promise<CommittedState> {
    if (!this.loaded) {
      // 0700 for folders (and 0600 for files, in writeFileAtomic and the lock), whatever the umask.
      await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((cause: unknown) => {
        throw new StateError(`Cannot create state directory ${this.dir}`, { context: { file: this.dir }, cause });
      });
      const { tookOverStale, previous } = await acquireLock(this.lockPath, { what: 'state directory', guarded: this.dir, stateDir: this.dir });
      if (tookOverStale) this.options.onStaleLock?.(this.lockPath, previous);
      this.loaded = true;
      try {
        this.index = IdIndex.open(this.idIndexPath);
      } catch (err) {
        this.loaded = false;
        await releaseLock(this.lockPath);
        throw err;
      }
    }
    const index = this.index!;
    const streams = await this.readStreams();
    const applied = await this.readJson(this.outputsPath);
    let appliedSeq = 0;
    this.outputs = {};
    if (applied !== undefined) {
      if (!isObject(applied) || applied.format !== OUTPUTS_FORMAT || applied.version !== 1 || typeof applied.seq !== 'number' || !isObject(applied.outputs)) {
        throw this.corrupt(this.outputsPath, 'not an outputs file of version 1');
      }
      appliedSeq = applied.seq;
      this.outputs = applied.outputs as Positions;
    }
    this.seq = appliedSeq;
    const journal = await this.readJournal();
    if (journal && journal.seq > appliedSeq) {
      // The last commit reached its commit point but was not (fully) applied: finish it now.
      await this.apply(journal);
      for (const cp of journal.streams) streams.set(streamKey(cp.tenantId, cp.contentType), cp);
      this.outputs = journal.outputs;
      this.seq = journal.seq;
    } else if (journal) {
      this.seq = Math.max(this.seq, journal.seq);
      // The index is applied before outputs.json, but a failed apply may have stopped between them.
      if (index.seq < journal.seq) await this.applyIds(journal);
    }
    if (index.seq > this.seq) {
      // Ids of commits this state does not know: their records may not be in the outputs, so
      // trusting them could drop records as duplicates. Only a partial restore gets here.
      throw new StateError(
        `The record-Id index ${this.idIndexPath} is ahead of the checkpoints in ${this.dir} (commit ${index.seq} > ${this.seq}): the state directory was restored only in part. Restore it whole, or delete ${this.idIndexPath} and ${this.idIndexPath}-lock (repeats of records already delivered may then be delivered again).`,
        { context: { file: this.idIndexPath } },
      );
    }
    await this.migrateLegacyIds(streams);
    const { missing, restored } = await this.checkKnown(streams, journal);
    const out: CommittedState = { streams, outputs: structuredClone(this.outputs) };
    if (missing.length > 0) out.missing = missing;
    if (restored.length > 0) out.restored = restored;
    return out;
  }

  /**
   * Streams the journal knows whose file is gone: restored from the journal when its last commit
   * holds them (that copy is the last committed one), reported as missing otherwise.
   */
  private async checkKnown(streams: Map<string, StreamCheckpoint>, journal: Journal | undefined): Promise<{ missing: MissingStream[]; restored: MissingStream[] }> {
    this.known = new Map();
    for (const [t, c] of journal?.known ?? []) this.known.set(streamKey(t, c), [t, c]);
    for (const cp of streams.values()) this.known.set(streamKey(cp.tenantId, cp.contentType), [cp.tenantId, cp.contentType]);
    const missing: MissingStream[] = [];
    const restored: MissingStream[] = [];
    for (const [key, [tenantId, contentType]] of this.known) {
      if (streams.has(key)) continue;
      const file = this.streamFile(tenantId, contentType);
      const copy = journal?.streams.find((cp) => streamKey(cp.tenantId, cp.contentType) === key);
      if (copy === undefined || journal === undefined) {
        missing.push({ tenantId, contentType, file });
        continue;
      }
      try {
        await mkdir(join(this.dir, pathSegment(tenantId)), { recursive: true });
        await writeFileAtomic(file, JSON.stringify({ format: STREAM_FORMAT, version: 1, seq: journal.seq, checkpoint: copy }));
      } catch (cause) {
        throw new StateError(`Cannot restore the missing stream checkpoint ${file} from the journal ${this.journalPath}`, { context: { file }, cause });
      }
      streams.set(key, copy);
      restored.push({ tenantId, contentType, file });
    }
    return { missing, restored };
  }

  /**
   * Forgets streams on purpose (`o365-audit state --forget`): their checkpoints are no longer
   * expected, so their next run starts over from initial_interval. Committed like any commit.
   */
  async forget(keys: Array<{ tenantId: string; contentType: string }>): Promise<void> {
    for (const k of keys) this.known.delete(streamKey(k.tenantId, k.contentType));
    await this.commit([], {});
    for (const k of keys) await rm(this.streamFile(k.tenantId, k.contentType), { force: true });
  }

  ids(tenantId: string, contentType: string): StreamIds {
    if (!this.index) throw new StateError('FileStateStore.ids() called before load()', { context: { file: this.dir } });
    return this.index.reader(tenantId, contentType);
  }

  /** The record-Id index (after load()); for the benchmark and tools. */
  get idIndex(): IdIndex | undefined {
    return this.index;
  }

  async commit(changed: StreamCheckpoint[], outputs: Positions, ids: StreamIdBatch[] = []): Promise<void> {
    if (!this.loaded) throw new StateError('FileStateStore.commit() called before load()', { context: { file: this.dir } });
    if (this.unapplied) {
      await this.apply(this.unapplied);
      this.unapplied = undefined;
    }
    const journal: Journal = {
      format: 'o365-audit/commit',
      version: 1,
      seq: this.seq + 1,
      streams: changed,
      outputs: { ...this.outputs, ...outputs },
      known: [],
    };
    for (const cp of changed) this.known.set(streamKey(cp.tenantId, cp.contentType), [cp.tenantId, cp.contentType]);
    journal.known = [...this.known.values()];
    if (ids.length > 0) journal.ids = ids;
    this.options.faultHook?.('journal');
    try {
      await writeFileAtomic(this.journalPath, JSON.stringify(journal));
    } catch (cause) {
      throw new StateError(`Cannot write state journal ${this.journalPath}`, { context: { file: this.journalPath }, cause });
    }
    this.seq = journal.seq;
    this.outputs = journal.outputs;
    try {
      await this.apply(journal);
    } catch (err) {
      this.unapplied = journal; // committed (the journal is durable); applied again next time
      throw err;
    }
  }

  async close(): Promise<void> {
    const index = this.index;
    this.index = undefined;
    try {
      await index?.close();
    } finally {
      if (this.loaded) await releaseLock(this.lockPath);
      this.loaded = false;
    }
  }

  private async apply(journal: Journal): Promise<void> {
    const dirs = new Set<string>();
    try {
      for (const cp of journal.streams) {
        const tenantDir = join(this.dir, pathSegment(cp.tenantId));
        if (!dirs.has(tenantDir)) await mkdir(tenantDir, { recursive: true, mode: 0o700 });
        dirs.add(tenantDir);
        this.options.faultHook?.('apply-stream');
        const body = JSON.stringify({ format: STREAM_FORMAT, version: 1, seq: journal.seq, checkpoint: cp });
        await writeFileAtomic(this.streamFile(cp.tenantId, cp.contentType), body, false);
      }
      for (const d of dirs) await fsyncDir(d);
      if (dirs.size > 0) await fsyncDir(this.dir); // new tenant directories
      await this.applyIds(journal);
      this.options.faultHook?.('apply-outputs');
      await writeFileAtomic(this.outputsPath, JSON.stringify({ format: OUTPUTS_FORMAT, version: 1, seq: journal.seq, outputs: journal.outputs }));
    } catch (cause) {
      if (cause instanceof StateError) throw cause;
      throw new StateError(`Cannot apply state commit ${journal.seq} in ${this.dir}`, { context: { file: this.dir }, cause });
    }
  }

  /** Adds the journal's Ids to the index (one durable transaction that also records its seq). */
  private async applyIds(journal: Journal): Promise<void> {
    this.options.faultHook?.('apply-ids');
    await this.index!.apply(journal.seq, journal.ids ?? []);
  }

  /**
   * Checkpoints written before the index carry the lookback's Ids in `seenIds`: they move into the
   * index (idempotent puts, so a crash before the stream files are rewritten only repeats this).
   */
  private async migrateLegacyIds(streams: Map<string, StreamCheckpoint>): Promise<void> {
    const batches: StreamIdBatch[] = [];
    for (const cp of streams.values()) {
      if (cp.seenIds === undefined) continue;
      const groups = groupByCreated(Object.entries(cp.seenIds));
      if (groups.length > 0) batches.push({ tenantId: cp.tenantId, contentType: cp.contentType, groups });
      delete cp.seenIds;
    }
    if (batches.length > 0) await this.index!.apply(this.seq, batches);
  }

  private async readStreams(): Promise<Map<string, StreamCheckpoint>> {
    const streams = new Map<string, StreamCheckpoint>();
    const entries = await readdir(this.dir, { withFileTypes: true });
    for (const tenantDir of entries) {
      if (!tenantDir.isDirectory()) continue;
      const dirPath = join(this.dir, tenantDir.name);
      for (const f of await readdir(dirPath, { withFileTypes: true })) {
        if (!f.isFile() || !f.name.endsWith('.json')) continue; // *.json.tmp: never renamed, so never committed
        const file = join(dirPath, f.name);
        const parsed = await this.readJson(file);
        if (!isObject(parsed) || parsed.format !== STREAM_FORMAT || parsed.version !== 1) {
          throw this.corrupt(file, 'not a stream checkpoint file of version 1');
        }
        const cp = validateCheckpoint(parsed.checkpoint, file);
        if (this.streamFile(cp.tenantId, cp.contentType) !== file) {
          throw this.corrupt(file, `it holds the checkpoint of ${cp.tenantId}/${cp.contentType}`);
        }
        streams.set(streamKey(cp.tenantId, cp.contentType), cp);
      }
    }
    return streams;
  }

  private async readJournal(): Promise<Journal | undefined> {
    const j = await this.readJson(this.journalPath);
    if (j === undefined) return undefined;
    if (!isObject(j) || j.format !== 'o365-audit/commit' || j.version !== 1 || typeof j.seq !== 'number' || !Array.isArray(j.streams) || !isObject(j.outputs)) {
      throw this.corrupt(this.journalPath, 'not a commit journal of version 1');
    }
    for (const cp of j.streams) validateCheckpoint(cp, this.journalPath);
    if (j.known !== undefined && !(Array.isArray(j.known) && j.known.every((k) => Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string'))) {
      throw this.corrupt(this.journalPath, 'its list of known streams is not [tenantId, contentType] pairs');
    }
    if (j.ids !== undefined) checkIdBatches(j.ids, (why) => this.corrupt(this.journalPath, why));
    return j as unknown as Journal;
  }

  /** Parsed JSON, or undefined when the file does not exist. */
  private async readJson(file: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError(`Cannot read state file ${file}`, { context: { file }, cause: err });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw this.corrupt(file, 'invalid JSON', cause);
    }
  }

  private corrupt(file: string, why: string, cause?: unknown): StateError {
    return new StateError(`State file ${file} is corrupt: ${why}. Restore it from a backup or delete it (its streams then start over).`, {
      context: { file },
      cause,
    });
  }
}

function checkIdBatches(v: unknown, corrupt: (why: string) => StateError): void {
  if (!Array.isArray(v)) throw corrupt('ids is not a list');
  for (const b of v) {
    if (!isObject(b) || typeof b.tenantId !== 'string' || typeof b.contentType !== 'string' || !Array.isArray(b.groups)) throw corrupt('an ids entry is not {tenantId, contentType, groups}');
    if (b.pruneBefore !== undefined && typeof b.pruneBefore !== 'number') throw corrupt('ids.pruneBefore is not a number');
    for (const g of b.groups as unknown[]) {
      if (!Array.isArray(g) || typeof g[0] !== 'number' || !Array.isArray(g[1]) || !(g[1] as unknown[]).every((id) => typeof id === 'string')) {
        throw corrupt('an ids group is not [contentCreated, [Id, ...]]');
      }
    }
  }
}
