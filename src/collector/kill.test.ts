// A real kill -9 at random moments: a child process runs a collector (file state + file output)
// and is killed repeatedly; after a final clean run, every record is in the file exactly once.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KILL_BLOBS, KILL_RECORDS, KILL_TYPES } from './testing/kill-child.js';

const child = fileURLToPath(new URL('./testing/kill-child.ts', import.meta.url));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-kill-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(stateDir: string, out: string) {
  const p = spawn(process.execPath, ['--import', 'tsx', child, stateDir, out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, exited, out: () => stdout, err: () => stderr };
}

async function size(f: string): Promise<number> {
  return stat(f).then((s) => s.size, () => 0);
}

describe('kill -9', () => {
  it('every record exactly once after repeated kill -9 at random moments', async () => {
    const stateDir = join(dir, 'state');
    const out = join(dir, 'audit.ndjson');
    let kills = 0;
    let grewWhileKilled = 0;
    for (let i = 0; i < 6; i++) {
      const run = start(stateDir, out);
      // Wait until the child has made some progress (or finished), then kill it at a random moment.
      const before = await size(out);
      const deadline = Date.now() + 15_000;
      while ((await size(out)) === before && Date.now() < deadline) {
        if (await Promise.race([run.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))])) break;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      if (run.p.exitCode === null) {
        run.p.kill('SIGKILL');
        kills++;
      }
      await run.exited;
      if ((await size(out)) > before) grewWhileKilled++;
    }
    const last = start(stateDir, out);
    expect(await last.exited, last.err()).toBe(0);
    expect(JSON.parse(last.out())).toMatchObject({ failedStreams: 0 });
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(grewWhileKilled).toBeGreaterThanOrEqual(3);

    const ids = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => (JSON.parse(l) as { Id: string }).Id);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(doubled).toEqual([]);
    expect(counts.size).toBe(KILL_TYPES.length * KILL_BLOBS * KILL_RECORDS);
  }, 120_000);
});
