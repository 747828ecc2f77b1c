// Child process for the lock race tests: waits for "go" messages from the parent and tries to take
// the lock named in each; holds it until told to release. Many rounds per child, so that a test
// can start several processes at the same moment many times without paying a process start each.
// Usage: node --import tsx lock-child.ts (with an IPC channel)

import { acquireLock, readLockOwner, releaseLock } from '../lock-file.js';

interface Go {
  go: string;
  stateDir: string;
}

const send = (m: unknown) => process.send?.(m);
let held: string | undefined;

process.on('message', (m: Go | { release: true } | { exit: true }) => {
  void (async () => {
    if ('exit' in m) process.exit(0);
    if ('release' in m) {
      if (held !== undefined) {
        // Still ours after the others tried? A takeover race would have replaced it.
        const owner = await readLockOwner(held);
        const still = owner?.pid === process.pid;
        await releaseLock(held);
        held = undefined;
        send({ released: true, still });
      } else send({ released: true });
      return;
    }
    try {
      await acquireLock(m.go, { what: 'state directory', guarded: m.stateDir, stateDir: m.stateDir });
      held = m.go;
      send({ ok: true, pid: process.pid });
    } catch (err) {
      send({ ok: false, code: (err as { code?: string }).code, message: (err as Error).message });
    }
  })();
});
send({ ready: true });
