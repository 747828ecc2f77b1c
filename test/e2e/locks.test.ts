// End to end: a state directory and an output file each belong to one collector at a time. A
// second `collect` pointed at either exits 2 and names the path and the collector that holds it.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { fileSize, runCli, simTenants, spawnCli, tempDir, waitFor, writeConfig } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('collect: one collector per state directory and per output file', () => {
  it('a second collector on the same state_dir, or with another state_dir on the same output file, exits 2 naming path and owner', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 2, recordsPerBlob: [2, 4], seed: 5 });
    const dir = tempDir();
    const config = writeConfig(dir, sim, simTenants(sim), 'interval: 1h\n');
    const first = spawnCli(['collect', '--config', config]);
    try {
      expect(await waitFor(() => existsSync(join(dir, 'state', 'lock')) && existsSync(join(dir, 'out.ndjson.lock')), 60_000)).toBe(true);
      const pid = String(first.child.pid);
      // Let the first collector finish its first pass (its output stops growing), so that a
      // changed byte below can only come from the second one.
      let last = -1;
      let stableSince = Date.now();
      expect(
        await waitFor(() => {
          const size = fileSize(join(dir, 'out.ndjson'));
          if (size !== last) [last, stableSince] = [size, Date.now()];
          return size > 0 && Date.now() - stableSince > 3000;
        }, 90_000, 200),
      ).toBe(true);

      const same = await runCli(['collect', '--config', config, '--once'], { timeoutMs: 60_000 });
      expect(same.code, same.stderr).toBe(2);
      expect(same.stderr).toContain(join(dir, 'state'));
      expect(same.stderr).toContain(`pid ${pid}`);

      // Another state_dir, the same output file: it must not touch (truncate) the first one's file.
      const other = join(dir, 'other.yaml');
      writeFileSync(other, readFileSync(config, 'utf8').replace('state_dir: state', 'state_dir: state2'));
      const before = readFileSync(join(dir, 'out.ndjson'));
      const second = await runCli(['collect', '--config', other, '--once'], { timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(2);
      expect(second.stderr).toContain(join(dir, 'out.ndjson'));
      expect(second.stderr).toContain(`pid ${pid}`);
      expect(second.stderr).toContain(`state_dir ${join(dir, 'state')}`);
      expect(readFileSync(join(dir, 'out.ndjson')).equals(before)).toBe(true);
    } finally {
      first.child.kill('SIGTERM');
      await first.done;
    }
    // Released on a clean stop: the next collector runs.
    expect(existsSync(join(dir, 'state', 'lock'))).toBe(false);
    expect(existsSync(join(dir, 'out.ndjson.lock'))).toBe(false);
    const again = await runCli(['collect', '--config', config, '--once'], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);
});
