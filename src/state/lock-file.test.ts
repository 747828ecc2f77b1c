import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, releaseLock } from './lock-file.js';

const CHILD = fileURLToPath(new URL('./testing/lock-child.ts', import.meta.url));
const CHILDREN = 4;

type Reply = { ready?: true; ok?: boolean; code?: string; message?: string; released?: true; still?: boolean };

class Racer {
  readonly proc: ChildProcess;
  private queue: Reply[] = [];
  private waiting: ((r: Reply) => void) | undefined;
  constructor() {
    this.proc = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.proc.on('message', (m: Reply) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.queue.push(m);
    });
  }
  next(): Promise<Reply> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((r) => (this.waiting = r));
  }
}

/** A pid that ran on this host and is gone now. */
const DEAD_PID = spawnSync(process.execPath, ['-e', '0']).pid ?? 2 ** 22 + 1;

/** A lock or claim as a collector that died would have left it. */
function staleOwner(id: string) {
  return JSON.stringify({ pid: DEAD_PID, host: hostname(), stateDir: '/old', startedAt: new Date(0).toISOString(), id });
}

let racers: Racer[] = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'o365-lock-'));
  racers = Array.from({ length: CHILDREN }, () => new Racer());
  for (const r of racers) expect((await r.next()).ready).toBe(true);
});

afterAll(async () => {
  for (const r of racers) r.proc.kill();
  await rm(root, { recursive: true, force: true });
});

/** Starts every child on `lock` at the same moment; returns how many got it, and whether each winner still held it at release. */
async function race(lock: string): Promise<{ winners: number; lostItAfter: number; others: Reply[] }> {
  for (const r of racers) r.proc.send({ go: lock, stateDir: lock });
  const replies = await Promise.all(racers.map((r) => r.next()));
  const winners = replies.filter((r) => r.ok === true).length;
  for (const r of racers) r.proc.send({ release: true });
  const released = await Promise.all(racers.map((r) => r.next()));
  return { winners, lostItAfter: released.filter((r) => r.still === false).length, others: replies.filter((r) => r.ok !== true) };
}

describe('state lock, real processes starting at the same moment', () => {
  it('with no lock: exactly one of them runs, every time (100 tries)', async () => {
    for (let i = 0; i < 100; i++) {
      const dir = join(root, `fresh-${i}`);
      await mkdir(dir);
      const { winners, lostItAfter, others } = await race(join(dir, 'lock'));
      expect({ try: i, winners, lostItAfter }).toEqual({ try: i, winners: 1, lostItAfter: 0 });
      for (const o of others) {
        expect(o.code).toBe('O365_ERR_LOCKED');
        expect(o.message).toMatch(/pid \d+, host /);
      }
    }
  });

  it('over a stale lock: exactly one takes it over, every time (100 tries)', async () => {
    for (let i = 0; i < 100; i++) {
      const dir = join(root, `stale-${i}`);
      await mkdir(dir);
      await writeFile(join(dir, 'lock'), staleOwner(`old-${i}`));
      const { winners, lostItAfter } = await race(join(dir, 'lock'));
      expect({ try: i, winners, lostItAfter }).toEqual({ try: i, winners: 1, lostItAfter: 0 });
      // No claim or temp file is left behind.
      expect((await readdir(dir)).sort()).toEqual([]);
    }
  });

  it('over a stale lock whose last taker died mid-takeover: exactly one takes it over (50 tries)', async () => {
    for (let i = 0; i < 50; i++) {
      const dir = join(root, `claim-${i}`);
      await mkdir(dir);
      await writeFile(join(dir, 'lock'), staleOwner(`old-${i}`));
      await writeFile(join(dir, `lock.claim-old-${i}`), staleOwner(`claim-${i}`));
      const { winners, lostItAfter } = await race(join(dir, 'lock'));
      expect({ try: i, winners, lostItAfter }).toEqual({ try: i, winners: 1, lostItAfter: 0 });
      expect(await readdir(dir)).toEqual([]);
    }
  });
});

describe('state lock, one process', () => {
  it('an empty or garbled lock (a crash of an older version) is taken over; a lock from another host is not', async () => {
    const dir = await mkdtemp(join(root, 'one-'));
    const lock = join(dir, 'lock');
    await writeFile(lock, '');
    expect((await acquireLock(lock, { what: 'state directory', guarded: dir })).tookOverStale).toBe(true);
    await releaseLock(lock);
    await writeFile(lock, JSON.stringify({ pid: process.ppid, host: 'elsewhere.example', stateDir: '/srv/o365', id: 'x' }));
    await expect(acquireLock(lock, { what: 'state directory', guarded: dir })).rejects.toMatchObject({
      code: 'O365_ERR_LOCKED',
      message: expect.stringMatching(/pid \d+, host elsewhere\.example, state_dir \/srv\/o365.*another host/),
    });
  });

  it('a pid that now belongs to another process (started later than the lock says) is stale', async () => {
    const dir = await mkdtemp(join(root, 'reuse-'));
    const lock = join(dir, 'lock');
    await writeFile(lock, JSON.stringify({ pid: process.ppid, host: hostname(), id: 'y', procStart: '1' }));
    expect((await acquireLock(lock, { what: 'state directory', guarded: dir })).tookOverStale).toBe(true);
    await releaseLock(lock);
  });
});
