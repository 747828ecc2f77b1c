// Crash-safe file replacement: write a temp file, fsync it, rename it over the target, fsync the
// directory. After a crash the target holds either its old or its new content, never a mix.
// Files are created 0600: state may name tenants and hold positions nobody else needs to read.

import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` atomically with `data`. `syncDir: false` lets a caller batch directory fsyncs. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, syncDir = true): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  if (syncDir) await fsyncDir(dirname(path));
}
