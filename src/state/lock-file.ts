// Lock files: one collector per state directory, one collector per output file. Two collectors on
// one state directory overwrite each other's commits; two on one output file truncate each other's
// records. Both are refused, and a lock left by a dead process is taken over, atomically even when
// several collectors start at the same moment.
//
// Why not proper-lockfile: it decides staleness by mtime (a holder must touch the lock on a timer;
// an event-loop stall longer than `stale` hands the lock to a second process), and its takeover is
// "see stale, remove, create", which two processes can interleave so that both hold the lock.
// The kernel's flock would be ideal but Node has no binding without a native module. So:
//
// - A lock is created whole, never empty: its content goes into a private temp file that is then
//   hard-linked to the lock path. link() fails with EEXIST if the lock exists, so creation is atomic
//   and a reader never sees a half-written owner.
// - Every lock has a random id. Only the process that created `<lock>.claim-<id>` (again by link())
//   may replace lock <id>, and it does so with rename() over the lock path, so the lock path never
//   disappears during a takeover and a plain creator cannot slip in. After taking the claim, the
//   claimant re-reads the lock; if its id changed, someone else finished first: start over.
// - A claimant that died leaves its claim behind; that claim is stale like a lock and is itself
//   taken over through a claim on the claim's id (a chain), checked the same way.
//
// A lock's owner is alive when its host is this host, this machine has not rebooted since, the
// pid exists and (where /proc tells) that pid started when the owner did (pids are reused, e.g. a
// container's pid 1). A lock from another host is never taken over: we cannot tell if it lives.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { O365AuditError, StateError } from '../errors.js';
import { fsyncDir } from './atomic-file.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** The owner's state directory (for messages: which collector holds it). */
  stateDir?: string;
  startedAt: string;
  id: string;
  bootId?: string;
  /** Start time of the pid in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart?: string;
}

/** Someone else (alive, or on another host) holds the lock. Exit code 2: nothing was collected. */
export class LockHeldError extends O365AuditError {
  constructor(message: string, readonly lockPath: string, readonly owner: Partial<LockOwner>) {
    super('O365_ERR_LOCKED', message, {
      context: { file: lockPath, pid: owner.pid, host: owner.host, stateDir: owner.stateDir },
    });
  }
}

export interface AcquireOptions {
  /** What the lock guards, for messages ("state directory", "output file"). */
  what: string;
  /** The path it guards (the state directory or the output file). */
  guarded: string;
  /** This collector's state directory, recorded in the lock so that others can name the owner. */
  stateDir?: string;
}

/** Lock paths held by this process, with the id of our lock. */
const heldHere = new Map<string, string>();

const MAX_ROUNDS = 16;
const MAX_CHAIN = 8;

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces and parentheses): state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let bootIdCache: string | null | undefined;
function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

function me(stateDir: string | undefined): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    stateDir,
    startedAt: new Date().toISOString(),
    id: randomUUID(),
    bootId: bootId(),
    procStart: procStartOf(process.pid),
  };
}

type Liveness = 'alive' | 'dead' | 'other-host';

function liveness(owner: Partial<LockOwner> | undefined): Liveness {
  if (owner === undefined || typeof owner.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return 'dead';
  if (owner.host !== undefined && owner.host !== hostname()) return 'other-host';
  const boot = bootId();
  if (owner.bootId !== undefined && boot !== undefined && owner.bootId !== boot) return 'dead';
  if (owner.pid === process.pid) {
    // Our own pid but not our lock (we checked heldHere): an earlier process that had our pid.
    return [...heldHere.values()].includes(String(owner.id)) ? 'alive' : 'dead';
  }
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  if (owner.procStart !== undefined) {
    const now = procStartOf(owner.pid);
    if (now !== undefined && now !== owner.procStart) return 'dead';
  }
  return 'alive';
}

interface LockRead {
  /** The lock's id; for content that is not ours (garbage, an old format) the inode and mtime. */
  id: string;
  owner: Partial<LockOwner> | undefined;
}

/** Reads a lock (or claim) file through one descriptor; undefined when it does not exist. */
async function readLock(path: string): Promise<LockRead | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    const text = await fh.readFile('utf8');
    let owner: Partial<LockOwner> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null) owner = parsed as Partial<LockOwner>;
    } catch {
      owner = undefined;
    }
    const id = typeof owner?.id === 'string' && /^[\w-]{1,64}$/.test(owner.id) ? owner.id : `ino${st.ino}-${Math.trunc(st.mtimeMs)}`;
    return { id, owner };
  } finally {
    await fh.close();
  }
}

/** Writes a new private file (0600) with `data`, durably. */
async function writeNew(path: string, data: string): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** link() that reports EEXIST as false. */
async function linkNew(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function describe(owner: Partial<LockOwner> | undefined): string {
  if (owner === undefined) return 'an unknown process';
  const parts = [`pid ${String(owner.pid)}`, `host ${String(owner.host)}`];
  if (owner.stateDir !== undefined) parts.push(`state_dir ${owner.stateDir}`);
  if (owner.startedAt !== undefined) parts.push(`since ${owner.startedAt}`);
  return parts.join(', ');
}

function heldError(o: AcquireOptions, path: string, owner: Partial<LockOwner> | undefined, how: Liveness | 'taking-over'): LockHeldError {
  const who = describe(owner);
  const tail =
    how === 'other-host'
      ? `It was taken on another host, where this collector cannot tell whether it still runs: stop that collector, or delete ${path} if none runs there.`
      : `Stop that collector, or point this one elsewhere.`;
  const verb = how === 'taking-over' ? 'is being taken over by another collector' : 'is in use by another collector';
  return new LockHeldError(`The ${o.what} ${o.guarded} ${verb} (${who}; lock ${path}). ${tail}`, path, owner ?? {});
}

/**
 * Takes the exclusive right to replace the stale file `target` (lock or claim) whose id is `id`.
 * Returns the claim files to delete once done (ours last), or undefined when `target` changed
 * meanwhile (start over). Throws LockHeldError when a live process is taking it over.
 */
async function claim(o: AcquireOptions, lockPath: string, target: string, id: string, self: LockOwner, depth: number): Promise<string[] | undefined> {
  if (depth > MAX_CHAIN) throw new StateError(`Cannot take over stale lock ${lockPath}: too many abandoned takeovers (${lockPath}.claim-*); delete them`, { context: { file: lockPath } });
  const claimPath = `${lockPath}.claim-${id}`;
  const mine: LockOwner = { ...self, id: randomUUID() };
  const tmp = `${claimPath}.${mine.id}.tmp`;
  await writeNew(tmp, JSON.stringify(mine));
  let won: boolean;
  try {
    won = await linkNew(tmp, claimPath);
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const stillTarget = async () => (await readLock(target))?.id === id;
  if (won) {
    if (await stillTarget()) return [claimPath];
    await unlink(claimPath).catch(() => {});
    return undefined;
  }
  const holder = await readLock(claimPath);
  if (holder === undefined) return undefined;
  const state = liveness(holder.owner);
  if (state !== 'dead') throw heldError(o, lockPath, holder.owner, state === 'alive' ? 'taking-over' : state);
  // The claimant died mid-takeover: claim its claim, then check that both are still what we saw.
  const inner = await claim(o, lockPath, claimPath, holder.id, self, depth + 1);
  if (inner === undefined) return undefined;
  if (!(await stillTarget())) {
    for (const p of inner) await unlink(p).catch(() => {});
    return undefined;
  }
  return [claimPath, ...inner];
}

/**
 * Takes the lock at `path`; returns the owner of a stale lock that was taken over, if any.
 * Throws LockHeldError when a live collector (or one on another host) holds it.
 */
export async function acquireLock(path: string, o: AcquireOptions): Promise<{ tookOverStale: boolean; previous?: Partial<LockOwner> }> {
  if (heldHere.has(path)) {
    throw new LockHeldError(`The ${o.what} ${o.guarded} is already in use by this process (lock ${path})`, path, { pid: process.pid, host: hostname() });
  }
  const self = me(o.stateDir);
  // Marked held from the start: a second acquire in this process is refused, and our own pid in a
  // lock is recognised as alive.
  heldHere.set(path, self.id);
  const tmp = `${path}.${self.id}.tmp`;
  let done = false;
  try {
    await writeNew(tmp, JSON.stringify(self));
  } catch (cause) {
    heldHere.delete(path);
    throw new StateError(`Cannot create lock ${path}`, { context: { file: path }, cause });
  }
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (await linkNew(tmp, path)) {
        done = true;
        await fsyncDir(dirname(path));
        return { tookOverStale: false };
      }
      const current = await readLock(path);
      if (current === undefined) continue; // released meanwhile
      const state = liveness(current.owner);
      if (state !== 'dead') throw heldError(o, path, current.owner, state);
      const claims = await claim(o, path, path, current.id, self, 0);
      if (claims === undefined) continue;
      try {
        // We alone may replace lock <current.id>, and it is still there: replace it in one step.
        await rename(tmp, path);
        done = true;
        await fsyncDir(dirname(path));
        return { tookOverStale: true, previous: current.owner };
      } finally {
        for (const p of claims) await unlink(p).catch(() => {});
      }
    }
    throw new StateError(`Cannot take lock ${path}: it kept changing (other collectors starting?)`, { context: { file: path } });
  } catch (err) {
    if (err instanceof O365AuditError) throw err;
    throw new StateError(`Cannot take lock ${path}`, { context: { file: path }, cause: err });
  } finally {
    if (!done) heldHere.delete(path);
    await unlink(tmp).catch(() => {});
  }
}

/** Releases a lock taken by this process (only if it is still ours). */
export async function releaseLock(path: string): Promise<void> {
  const id = heldHere.get(path);
  if (id === undefined) return;
  heldHere.delete(path);
  const current = await readLock(path).catch(() => undefined);
  if (current?.id === id) await unlink(path).catch(() => {});
}

/** The owner recorded in a lock file, if it exists (for `state` and messages). */
export async function readLockOwner(path: string): Promise<Partial<LockOwner> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
  } catch {
    return undefined;
  }
}
