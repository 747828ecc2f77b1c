// NDJSON file output, exactly-once across crashes: the committed position is the file length at
// the last commit, and open() trims the file back to it, so records written after that commit (and
// fetched again after the restart) are never doubled. Records are appended in large positional
// writes from an in-memory batch with a bounded size (back-pressure beyond it). The file belongs to
// one collector at a time (a lock file beside it): a second one would truncate the first one's
// records to its own committed length.

import { constants } from 'node:fs';
import { access, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputError } from '../../errors.js';
import { acquireLock, releaseLock } from '../../state/lock-file.js';
import type { Output, OutputPosition, RecordMeta } from '../types.js';

export interface FileOutputOptions {
  /** Output name stored in the state (default "file"). */
  name?: string;
  /** Pending bytes that start a background write (default 1 MiB). */
  batchBytes?: number;
  /** Pending bytes above which write() asks the caller to wait (default 8 MiB). */
  maxBufferBytes?: number;
  /** This collector's state directory, recorded in the output's lock to name the owner. */
  stateDir?: string;
}

export interface FilePosition extends OutputPosition {
  path: string;
  length: number;
}

export class FileOutput implements Output {
  readonly name: string;
  readonly path: string;
  private fh: FileHandle | undefined;
  private readonly batchBytes: number;
  private readonly maxBufferBytes: number;
  /** Records queued and not yet handed to a write. */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes of everything written through write() (the logical file length). */
  private length = 0;
  /** Bytes durably on disk (written), and fsynced. */
  private written = 0;
  private synced = 0;
  private writing: Promise<void> | undefined;
  private lastError: unknown;
  private waiters: Array<() => void> = [];
  private readonly stateDir: string | undefined;

  constructor(path: string, options: FileOutputOptions = {}) {
    this.path = resolve(path);
    this.name = options.name ?? 'file';
    this.batchBytes = options.batchBytes ?? 1 << 20;
    this.maxBufferBytes = Math.max(options.maxBufferBytes ?? 8 << 20, this.batchBytes);
    this.stateDir = options.stateDir;
  }

  private get lockPath(): string {
    return `${this.path}.lock`;
  }

  /** Ready when the file's folder is still there and writable (a removed or read-only mount is not). */
  async probe(): Promise<void> {
    await access(dirname(this.path), constants.W_OK);
  }

  async open(committed: OutputPosition | undefined): Promise<void> {
    // Before anything touches the file: a LockHeldError names the collector that owns it.
    await acquireLock(this.lockPath, { what: 'output file', guarded: this.path, stateDir: this.stateDir });
    try {
      // Read/write without O_APPEND: Linux ignores the position of pwrite on O_APPEND descriptors,
      // and positional writes make a retried batch land exactly where the failed one should have.
      // 0600: audit records are sensitive. A shipper under another user needs a group or ACL set
      // by the operator; an existing file keeps the mode it has.
      this.fh = await open(this.path, constants.O_RDWR | constants.O_CREAT, 0o600);
      const size = (await this.fh.stat()).size;
      if (committed === undefined) {
        this.length = size;
      } else {
        const pos = committed as Partial<FilePosition>;
        if (typeof pos.path !== 'string' || typeof pos.length !== 'number') {
          throw new OutputError(`Stored position of output "${this.name}" is invalid`, { context: { output: this.name } });
        }
        if (pos.path !== this.path) {
          throw new OutputError(
            `Output "${this.name}" was committed for ${pos.path}, but is now configured for ${this.path}. Restore the old path, or give the new file output another name so it starts fresh.`,
            { context: { output: this.name, path: this.path, committedPath: pos.path } },
          );
        }
        if (size < pos.length) {
          throw new OutputError(
            `Output file ${this.path} is shorter (${size} bytes) than its committed length (${pos.length}): it was truncated or replaced outside the collector. Refusing to guess where to continue.`,
            { context: { output: this.name, path: this.path, size, committedLength: pos.length } },
          );
        }
        if (size > pos.length) {
          // Records written after the last commit: the restarted collector delivers them again.
          await this.fh.truncate(pos.length);
          await this.fh.sync();
        }
        this.length = pos.length;
      }
      this.written = this.synced = this.length;
    } catch (err) {
      await this.fh?.close().catch(() => {});
      this.fh = undefined;
      await releaseLock(this.lockPath);
      if (err instanceof OutputError) throw err;
      throw new OutputError(`Cannot open output file ${this.path}`, { context: { output: this.name, path: this.path }, cause: err });
    }
  }

  write(raw: string, _meta: RecordMeta): void | Promise<void> {
    this.pending.push(raw);
    const n = Buffer.byteLength(raw) + 1;
    this.pendingBytes += n;
    this.length += n;
    if (this.pendingBytes >= this.batchBytes && this.writing === undefined) this.startWrite();
    if (this.length - this.written > this.maxBufferBytes) {
      return new Promise<void>((r) => this.waiters.push(r));
    }
  }

  mark(): number {
    return this.length;
  }

  async flushTo(mark: unknown): Promise<FilePosition> {
    const target = typeof mark === 'number' ? mark : this.length;
    if (this.fh === undefined) throw new OutputError(`Output file ${this.path} is not open`, { context: { output: this.name } });
    while (this.written < target) {
      if (this.writing === undefined) this.startWrite();
      await this.writing;
      if (this.written < target && this.lastError !== undefined) {
        const cause = this.lastError;
        this.lastError = undefined;
        throw new OutputError(`Cannot write to output file ${this.path}`, { context: { output: this.name, path: this.path }, cause });
      }
    }
    if (this.synced < target) {
      const upTo = this.written;
      try {
        await this.fh.sync();
      } catch (cause) {
        throw new OutputError(`Cannot fsync output file ${this.path}`, { context: { output: this.name, path: this.path }, cause });
      }
      this.synced = Math.max(this.synced, upTo);
    }
    return { path: this.path, length: target };
  }

  async close(): Promise<void> {
    if (this.fh === undefined) return;
    try {
      await this.flushTo(this.length);
    } finally {
      const fh = this.fh;
      this.fh = undefined;
      await fh?.close();
      this.releaseWaiters(true);
      await releaseLock(this.lockPath);
    }
  }

  /** Writes every pending record (one joined buffer per batch) at the end of what is written. */
  private startWrite(): void {
    this.writing = this.writeLoop().finally(() => {
      this.writing = undefined;
    });
  }

  private async writeLoop(): Promise<void> {
    const fh = this.fh;
    if (fh === undefined) return;
    this.lastError = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending;
      const bytes = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      const buf = Buffer.from(batch.join('\n') + '\n', 'utf8');
      let off = 0;
      try {
        while (off < buf.length) {
          const { bytesWritten } = await fh.write(buf, off, buf.length - off, this.written + off);
          off += bytesWritten;
        }
      } catch (err) {
        // Put the batch back in front: the next attempt rewrites it at the same position.
        this.pending = batch.concat(this.pending);
        this.pendingBytes += bytes;
        this.lastError = err;
        return;
      }
      this.written += buf.length;
      this.releaseWaiters(false);
    }
  }

  private releaseWaiters(all: boolean): void {
    if (this.waiters.length === 0) return;
    if (!all && this.length - this.written > this.maxBufferBytes) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
