// Every collector config under examples/ (a YAML file with top-level `tenants`; other tools'
// configs live there too) is valid (syntax, schema, cross-field rules), with its `${VAR}`s set:
// the examples are documentation users copy, so they must never drift from the schema.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintConfigText } from './load.js';

const dir = path.resolve(import.meta.dirname, '../../examples');
const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f) && /^tenants:/m.test(readFileSync(path.join(dir, f), 'utf8')));

describe('examples/*.yaml', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files) {
    it(`${f} is a valid config`, () => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      const env = Object.fromEntries([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => [m[1]!, 'example-value']));
      expect(lintConfigText(text, { env })).toEqual([]);
    });
  }
});
