// examples/service/Dockerfile, checked without a Docker engine (none runs here): its build stage's
// COPY and RUN steps run as a script in a scratch copy of the repository (honouring .dockerignore),
// the runtime stage's COPY --from steps assemble the image's /app in another folder, and that folder
// alone (production dependencies only) must run `collect --once` against the simulator. What a
// script cannot show (the base image, USER, a read-only root, the volume) is checked as text.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDelivered } from '../../src/cli/delivery-check.js';
import { startSimulator } from '../../src/simulator/index.js';
import { REPO_ROOT, simTenants, tempDir, writeConfig } from '../e2e/helpers.js';

interface Step {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  steps: Step[];
}

function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`cannot read Dockerfile line: ${line}`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(m[2]!)!;
      stages.push({ from: f[1]!, ...(f[2] ? { name: f[2] } : {}), steps: [] });
    } else stages.at(-1)!.steps.push({ op, args: m[2]! });
  }
  return stages;
}

const dockerfile = readFileSync(join(REPO_ROOT, 'examples/service/Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const scratch = tempDir('o365-docker-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('examples/service/Dockerfile', () => {
  it('is multi-stage, non-root, with state on a volume and nothing written outside it', () => {
    expect(stages.length).toBe(2);
    const [build, run] = stages as [Stage, Stage];
    expect(build.name).toBe('build');
    expect(run.steps.find((s) => s.op === 'USER')?.args).toBe('node');
    expect(run.steps.find((s) => s.op === 'VOLUME')?.args).toContain('/var/lib/o365-audit');
    // The runtime stage copies only build outputs, never the sources or the dev dependencies.
    for (const s of run.steps.filter((x) => x.op === 'COPY')) expect(s.args).toMatch(/^--from=build /);
    expect(run.steps.filter((s) => s.op === 'RUN').map((s) => s.args)).toEqual([expect.stringMatching(/^mkdir -p \/var\/lib\/o365-audit && chown node:node /)]);
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it('its build steps, run as a script, produce an /app that collects on its own', async () => {
    const ignore = new Set(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() !== ''));
    const roots: Record<string, string> = {};
    for (const [i, stage] of stages.entries()) {
      const root = join(scratch, `stage${i}`);
      roots[stage.name ?? String(i)] = root;
      let workdir = '/';
      for (const step of stage.steps) {
        const at = (p: string) => join(root, isAbsolute(p) ? p : join(workdir, p));
        if (step.op === 'WORKDIR') {
          workdir = step.args;
          mkdirSync(at('.'), { recursive: true });
        } else if (step.op === 'COPY') {
          const parts = step.args.split(/\s+/);
          const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
          const dest = parts.pop()!;
          for (const src of parts) {
            const source = from === undefined ? join(REPO_ROOT, src) : join(roots[from]!, src);
            const target = at(dest);
            if (src === '.') {
              for (const entry of readdirSync(REPO_ROOT)) if (!ignore.has(entry)) cpSync(join(REPO_ROOT, entry), join(target, entry), { recursive: true });
            } else {
              const to = dest.endsWith('/') ? join(target, src.split('/').pop()!) : target;
              mkdirSync(dirname(to), { recursive: true });
              cpSync(source, to, { recursive: true });
            }
          }
        } else if (step.op === 'RUN' && i === 0) {
          // Only the build stage: the runtime stage's one RUN prepares /var/lib (checked as text above).
          execFileSync('bash', ['-c', step.args], { cwd: at('.'), stdio: 'pipe', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 480_000 });
        }
      }
    }
    const app = join(roots['1']!, 'app');
    expect(existsSync(join(app, 'dist/cli.js'))).toBe(true);
    // Production dependencies only: no build or test tools in the image.
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/prom-client'))).toBe(true);

    const sim = await startSimulator({ tenants: 1, contentTypes: ['Audit.General'], blobsPerContentType: 2, recordsPerBlob: 3, recordSizeTarget: 0, seed: 4 });
    try {
      const dir = tempDir('o365-docker-run-');
      const config = writeConfig(dir, sim, simTenants(sim).map((t) => ({ ...t, contentTypes: ['Audit.General'] })));
      // Asynchronously: the simulator answers from this very process.
      const { stdout } = await promisify(execFile)(process.execPath, [join(app, 'dist/cli.js'), 'collect', '--config', config, '--once'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
      expect(stdout).toBe('');
      const delivered = await readDelivered(join(dir, 'out.ndjson'));
      expect(delivered.counts.size).toBe(sim.groundTruth(sim.tenants[0]!.tenantId, 'Audit.General').size);
    } finally {
      await sim.close();
    }
  }, 600_000);
});
