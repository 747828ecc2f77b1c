// The launcher fails loudly, with a code and a reason, when it cannot start a node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEngine } from '../../src/search-engine/engine-runner.js';

describe('search engine launcher', () => {
  it('rejects with O365_ERR_ENGINE when java is missing', async () => {
    const err = await startEngine({ kind: 'elasticsearch', java: '/nonexistent/bin/java', timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('O365_ERR_ENGINE');
    expect((err as Error).message).toMatch(/\/nonexistent\/bin\/java not found/);
  });

  it('rejects with O365_ERR_ENGINE when mvn is missing and the classpath is not cached', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'o365-audit-cp-'));
    try {
      const err = await startEngine({ kind: 'opensearch', mvn: '/nonexistent/bin/mvn', cacheDir, timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('O365_ERR_ENGINE');
      expect((err as Error).message).toMatch(/\/nonexistent\/bin\/mvn not found/);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('rejects with the node log tail when the node exits early', async () => {
    // A JVM that runs but cannot start a node: the runner exits at once on an unknown option.
    const err = await startEngine({ kind: 'opensearch', java: join(process.cwd(), 'test/es/fixtures/fake-java.sh'), timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('O365_ERR_ENGINE');
    expect((err as Error).message).toMatch(/node did not come up: the node process exited/);
    expect((err as Error).message).toContain('--- node log tail ---');
    expect((err as Error).message).toContain('fake node: refusing to start');
  });
});
