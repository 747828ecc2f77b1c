// Locates the installed package's root (fields/, pipelines/, package.json), whether running from
// src/ under tsx or bundled into dist/, and reads the package version used in asset names.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './http.js';

export function packageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'o365-audit') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new SetupError('cannot find the o365-audit package root (package.json)', 'reinstall the package');
    dir = parent;
  }
}

export function packageVersion(root: string = packageRoot()): string {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) throw new SetupError(`package.json has no usable version (${String(version)})`, 'reinstall the package');
  return version;
}

/** Semver as the integer `version` field templates and pipelines carry (1.2.3 → 1002003). */
export function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.+-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
  return major * 1_000_000 + minor * 1_000 + patch;
}
