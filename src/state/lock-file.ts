// A pid lock file so that two collectors never share a state directory (their commits would
// overwrite each other). A lock whose process is gone is taken over, with a warning to the caller.

import { open, readFile, unlink } from 'node:fs/promises';
import { StateError } from '../errors.js';

/** Lock paths held by this process: a second store on the same directory in one process is refused too. */
const heldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown };
    return typeof parsed.pid === 'number' ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock; returns whether a stale lock was taken over. Throws StateError if it is held. */
export async function acquireLock(path: string): Promise<{ tookOverStale: boolean }> {
  if (heldHere.has(path)) {
    throw new StateError(`State directory lock ${path} is already held by this process`, { context: { file: path } });
  }
  let tookOverStale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      await fh.sync();
      await fh.close();
      heldHere.add(path);
      return { tookOverStale };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StateError(`Cannot create state lock ${path}`, { context: { file: path }, cause: err });
      }
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
      throw new StateError(
        `State directory is in use by another collector (pid ${owner}, lock ${path}). Stop it, or delete the lock file if no collector runs.`,
        { context: { file: path, pid: owner } },
      );
    }
    await unlink(path).catch(() => {});
    tookOverStale = true;
  }
  throw new StateError(`Cannot take over stale state lock ${path}`, { context: { file: path } });
}

export async function releaseLock(path: string): Promise<void> {
  if (!heldHere.delete(path)) return;
  await unlink(path).catch(() => {});
}
