// The simulator command: fault parsing, and a run that writes a CA and a collector config the
// project's own config loader accepts.

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/load.js';
import { parseFaults, runSimulator, simulatorCommand } from './command.js';

describe('parseFaults', () => {
  it('parses rates, seconds and bare names, and refuses unknown names or bad rates', () => {
    expect(parseFaults('throttle403=0.05, cutBody=0.1,shortTokens=7,lateListed')).toEqual({ throttle403: 0.05, cutBody: 0.1, shortTokens: 7, lateListed: 1 });
    expect(() => parseFaults('nope=1')).toThrow(/unknown fault "nope"/);
    expect(() => parseFaults('cutBody=2')).toThrow(/rate between 0 and 1/);
  });
});

describe('simulator command', () => {
  it('declares the documented options', () => {
    const names = simulatorCommand().options.map((o) => o.long);
    for (const n of ['--port', '--tenants', '--blobs', '--records-per-blob', '--faults', '--write-config', '--ca-out']) expect(names).toContain(n);
  });

  it('writes the CA and a loadable config, prints endpoints, and stops on abort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o365-sim-'));
    try {
      const ac = new AbortController();
      const lines: string[] = [];
      const running = runSimulator(
        { port: 0, tenants: 2, blobs: 2, recordsPerBlob: 3, seed: 1, spanHours: 6, pageSize: 100, writeConfig: join(dir, 'cfg', 'config.yaml'), caOut: join(dir, 'ca.pem') },
        ac.signal,
        (l) => {
          lines.push(l);
          if (l.startsWith('simulator running')) ac.abort();
        },
      );
      await running;
      expect(lines.some((l) => /^login_url: +https:\/\/127\.0\.0\.1:\d+$/.test(l))).toBe(true);
      expect(lines.filter((l) => l.startsWith('tenant ')).length).toBe(2);
      expect(lines.join('\n')).not.toContain('client_secret=');
      expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
      const file = join(dir, 'cfg', 'config.yaml');
      expect((await stat(file)).mode & 0o077).toBe(0);
      const doc = parse(await readFile(file, 'utf8')) as { tenants: Array<Record<string, string>>; output: { type: string } };
      expect(doc.tenants).toHaveLength(2);
      expect(Object.keys(doc.tenants[0] as object)).toEqual(['tenant_id', 'client_id', 'client_secret', 'login_url', 'api_url', 'ca_file']);
      expect(doc.output.type).toBe('file');
      const cfg = await loadConfigFile(file);
      expect(cfg.tenants).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
