// The quarantine: blobs and records the collector could not deliver but must not lose. A blob whose
// body fails the same way on every attempt (not JSON, cut short, an HTML page) is kept byte for
// byte; records rejected by the splitter (not JSON, no Id, invalid UTF-8, oversize) are kept with
// their blob's contentId and byte offset. Each blob has one folder under <state_dir>/quarantine:
//
//   <tenant>/<content type>/<contentId>/entry.json   what happened (QuarantineEntry, below)
//                                       body         the blob's bytes (kind "blob")
//                                       record-<offset>  one rejected record's bytes (kind "records")
//
// Crash safety: the stream marks a blob done (which lets the cursor pass it) only after put*()
// resolved, and put*() resolves only once the bytes and then entry.json are fsynced (entry.json is
// the commit point: a folder without it is an interrupted write the next fetch of the blob redoes).
// Files are 0600 and folders 0700: records are audit data.

import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContentDescriptor, RejectedRecord } from '../api/types.js';
import { StateError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from './atomic-file.js';
import { pathSegment } from './path-segment.js';

export const QUARANTINE_FORMAT = 'o365-audit/quarantine';

/** Where the quarantine of a state directory lives. */
export function quarantineDir(stateDir: string): string {
  return join(stateDir, 'quarantine');
}

export type QuarantineStatus = 'quarantined' | 'replayed' | 'gone';

export interface QuarantinedRecord {
  /** Byte offset of the record's `{` in the decompressed blob body. */
  offset: number;
  reason: RejectedRecord['reason'];
  message: string;
  size: number;
  /** File in the entry's folder holding the record's bytes (absent for an oversize record). */
  file?: string;
}

export interface ReplayAttempt {
  at: string;
  outcome: 'replayed' | 'still-bad' | 'gone' | 'failed';
  delivered: number;
  duplicates: number;
  message: string;
}

export interface QuarantineEntry {
  format: typeof QUARANTINE_FORMAT;
  version: 1;
  kind: 'blob' | 'records';
  status: QuarantineStatus;
  tenantId: string;
  contentType: string;
  contentId: string;
  /** The blob's contentUri as listed (the token is sent in a header, never in a URL). */
  url: string;
  contentCreated: string;
  contentExpiration: string;
  quarantinedAt: string;
  /** kind "blob": why the body was refused, after how many attempts. */
  error?: { code: string; reason: string; message: string; offset?: number; attempts?: number };
  /** kind "blob": the kept body (decompressed). `cut`: longer than what was kept. */
  body?: { file: string; bytes: number; cut: boolean };
  /** kind "records": the records not delivered. */
  records?: QuarantinedRecord[];
  /** Record Ids of this blob already delivered when it was set aside (replay skips them). */
  deliveredIds: string[];
  replays: ReplayAttempt[];
}

export interface BlobFailure {
  code: string;
  reason: string;
  message: string;
  offset?: number;
  attempts?: number;
  body?: Buffer;
  bodyCut?: boolean;
}

/** What a put*() that replaces an existing entry (replay) carries over from it. */
export type CarriedOver = Pick<QuarantineEntry, 'quarantinedAt' | 'replays'>;

/** Where the collector sets aside what it cannot deliver. */
export interface Quarantine {
  /** Keeps a blob whose body is refused; resolves once it is durable. */
  putBlob(tenantId: string, d: ContentDescriptor, failure: BlobFailure, deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry>;
  /** Keeps a blob's rejected records; resolves once they are durable. */
  putRecords(tenantId: string, d: ContentDescriptor, records: RejectedRecord[], deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry>;
  /** Every entry, oldest first. */
  list(): Promise<QuarantineEntry[]>;
  /** Replaces an entry's metadata (status, replays). */
  update(entry: QuarantineEntry): Promise<void>;
  /** Where an entry's files live (for messages), or undefined when not on disk. */
  where(entry: Pick<QuarantineEntry, 'tenantId' | 'contentType' | 'contentId'>): string | undefined;
}

function newEntry(kind: QuarantineEntry['kind'], tenantId: string, d: ContentDescriptor, deliveredIds: string[], carried: CarriedOver | undefined): QuarantineEntry {
  return {
    format: QUARANTINE_FORMAT,
    version: 1,
    kind,
    status: 'quarantined',
    tenantId,
    contentType: d.contentType,
    contentId: d.contentId,
    url: d.contentUri,
    contentCreated: new Date(d.contentCreated).toISOString(),
    contentExpiration: new Date(d.contentExpiration).toISOString(),
    quarantinedAt: carried?.quarantinedAt ?? new Date().toISOString(),
    deliveredIds,
    replays: carried?.replays ?? [],
  };
}

function blobError(failure: BlobFailure): NonNullable<QuarantineEntry['error']> {
  const e: NonNullable<QuarantineEntry['error']> = { code: failure.code, reason: failure.reason, message: failure.message };
  if (failure.offset !== undefined) e.offset = failure.offset;
  if (failure.attempts !== undefined) e.attempts = failure.attempts;
  return e;
}

function recordFile(r: RejectedRecord): string | undefined {
  return r.bytes === undefined ? undefined : `record-${r.offset}`;
}

function quarantinedRecord(r: RejectedRecord): QuarantinedRecord {
  const q: QuarantinedRecord = { offset: r.offset, reason: r.reason, message: r.message, size: r.size };
  const f = recordFile(r);
  if (f !== undefined) q.file = f;
  return q;
}

/** An entry and the files of its folder (name, bytes), as every Quarantine stores them. */
interface Prepared {
  entry: QuarantineEntry;
  files: [string, Buffer][];
}

function blobEntry(tenantId: string, d: ContentDescriptor, failure: BlobFailure, deliveredIds: string[], carried: CarriedOver | undefined): Prepared {
  const entry = newEntry('blob', tenantId, d, deliveredIds, carried);
  entry.error = blobError(failure);
  const files: [string, Buffer][] = [];
  if (failure.body !== undefined) {
    entry.body = { file: 'body', bytes: failure.body.length, cut: failure.bodyCut === true };
    files.push(['body', failure.body]);
  }
  return { entry, files };
}

function recordsEntry(tenantId: string, d: ContentDescriptor, records: RejectedRecord[], deliveredIds: string[], carried: CarriedOver | undefined): Prepared {
  const entry = newEntry('records', tenantId, d, deliveredIds, carried);
  entry.records = records.map(quarantinedRecord);
  const files: [string, Buffer][] = [];
  for (const r of records) {
    const f = recordFile(r);
    if (f !== undefined && r.bytes !== undefined) files.push([f, r.bytes]);
  }
  return { entry, files };
}

export class FileQuarantine implements Quarantine {
  constructor(readonly dir: string) {}

  where(e: Pick<QuarantineEntry, 'tenantId' | 'contentType' | 'contentId'>): string {
    return join(this.dir, pathSegment(e.tenantId), pathSegment(e.contentType), pathSegment(e.contentId));
  }

  async putBlob(tenantId: string, d: ContentDescriptor, failure: BlobFailure, deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry> {
    return this.put(blobEntry(tenantId, d, failure, deliveredIds, carried));
  }

  async putRecords(tenantId: string, d: ContentDescriptor, records: RejectedRecord[], deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry> {
    return this.put(recordsEntry(tenantId, d, records, deliveredIds, carried));
  }

  private async put({ entry, files }: Prepared): Promise<QuarantineEntry> {
    await this.write(entry, files);
    return entry;
  }

  async update(entry: QuarantineEntry): Promise<void> {
    await this.write(entry, []);
  }

  async list(): Promise<QuarantineEntry[]> {
    const out: QuarantineEntry[] = [];
    for (const t of await this.subdirs(this.dir)) {
      for (const ct of await this.subdirs(join(this.dir, t))) {
        for (const id of await this.subdirs(join(this.dir, t, ct))) {
          const file = join(this.dir, t, ct, id, 'entry.json');
          let text: string;
          try {
            text = await readFile(file, 'utf8');
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // an interrupted write: redone when the blob is fetched again
            throw new StateError(`Cannot read quarantine entry ${file}`, { context: { file }, cause: err });
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (cause) {
            throw new StateError(`Quarantine entry ${file} is not valid JSON`, { context: { file }, cause });
          }
          const e = parsed as QuarantineEntry;
          if (e === null || typeof e !== 'object' || e.format !== QUARANTINE_FORMAT || e.version !== 1) {
            throw new StateError(`Quarantine entry ${file} is not a quarantine entry of version 1`, { context: { file } });
          }
          out.push(e);
        }
      }
    }
    return out.sort((a, b) => a.quarantinedAt.localeCompare(b.quarantinedAt) || a.contentId.localeCompare(b.contentId));
  }

  private async subdirs(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StateError(`Cannot read quarantine folder ${dir}`, { context: { file: dir }, cause: err });
    }
  }

  private async write(entry: QuarantineEntry, files: [string, Uint8Array][]): Promise<void> {
    const folder = this.where(entry);
    try {
      const created = await mkdir(folder, { recursive: true, mode: 0o700 });
      for (const [name, data] of files) await writeFileAtomic(join(folder, name), data, false);
      // entry.json last: it is what makes the folder an entry.
      await writeFileAtomic(join(folder, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`, false);
      await fsyncDir(folder);
      if (created !== undefined) {
        // New folders must survive a crash too: fsync each parent up to the first that existed.
        for (let d = folder; d !== dirname(created); d = dirname(d)) await fsyncDir(dirname(d));
      }
    } catch (cause) {
      throw new StateError(`Cannot write quarantine entry in ${folder}: ${(cause as Error).message}`, { context: { file: folder }, cause });
    }
  }
}

/** In-memory quarantine for library use without a state directory, and for tests. */
export class MemoryQuarantine implements Quarantine {
  readonly entries = new Map<string, { entry: QuarantineEntry; files: Map<string, Buffer> }>();

  where(): undefined {
    return undefined;
  }

  async putBlob(tenantId: string, d: ContentDescriptor, failure: BlobFailure, deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry> {
    return this.put(blobEntry(tenantId, d, failure, deliveredIds, carried));
  }

  async putRecords(tenantId: string, d: ContentDescriptor, records: RejectedRecord[], deliveredIds: string[], carried?: CarriedOver): Promise<QuarantineEntry> {
    return this.put(recordsEntry(tenantId, d, records, deliveredIds, carried));
  }

  private put({ entry, files }: Prepared): QuarantineEntry {
    this.entries.set(this.key(entry), { entry: structuredClone(entry), files: new Map(files) });
    return entry;
  }

  async list(): Promise<QuarantineEntry[]> {
    return [...this.entries.values()].map((e) => structuredClone(e.entry));
  }

  async update(entry: QuarantineEntry): Promise<void> {
    const old = this.entries.get(this.key(entry));
    this.entries.set(this.key(entry), { entry: structuredClone(entry), files: old?.files ?? new Map() });
  }

  private key(e: Pick<QuarantineEntry, 'tenantId' | 'contentType' | 'contentId'>): string {
    return `${e.tenantId}/${e.contentType}/${e.contentId}`;
  }
}
