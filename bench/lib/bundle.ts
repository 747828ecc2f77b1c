// Bundles the child entries with esbuild, the way tsup builds dist/cli.js, so the measured process
// runs compiled JavaScript as users do (no tsx loader in its memory or start-up time).

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const benchDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const repoRoot = resolve(benchDir, '..');
/** Ignored by git; node resolves packages from here up to the repo's node_modules. */
export const buildDir = join(benchDir, '.build');

export type ChildEntry = 'collector-child' | 'floor-child' | 'id-index-child';

let built: Promise<Record<ChildEntry, string>> | undefined;

/** Builds both child entries once per bench run; returns their .mjs paths. */
export function bundleChildren(): Promise<Record<ChildEntry, string>> {
  built ??= (async () => {
    const names: ChildEntry[] = ['collector-child', 'floor-child', 'id-index-child'];
    await build({
      entryPoints: names.map((n) => join(benchDir, 'children', `${n}.ts`)),
      outdir: buildDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'error',
    });
    return Object.fromEntries(names.map((n) => [n, join(buildDir, `${n}.mjs`)])) as Record<ChildEntry, string>;
  })();
  return built;
}
