// Staleness check of docs/config.md: regenerated in memory from the schema, it must equal the
// committed file (fix with `npm run gen:config-docs`). Also checks the docs cover every key.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '../outputs/build.js';
import { CONFIG_DOCS_PATH, generateConfigDocs } from './docs.js';
import { knownKeys } from './schema.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('docs/config.md', () => {
  it('is up to date with schemas/config.schema.json (run `npm run gen:config-docs` if not)', async () => {
    const expected = await generateConfigDocs(root);
    const committed = await readFile(path.join(root, CONFIG_DOCS_PATH), 'utf8');
    expect(committed).toBe(expected);
  });

  it('documents every key of the schema', async () => {
    const doc = await generateConfigDocs(root);
    for (const k of knownKeys('top')) expect(doc).toContain(`| \`${k}\``);
    for (const k of knownKeys('tenant')) expect(doc).toContain(`| \`${k}\``);
    for (const k of knownKeys('certificate')) expect(doc).toContain(`| \`certificate.${k}\``);
    for (const k of knownKeys('retry')) expect(doc).toContain(`| \`retry.${k}\``);
    for (const k of knownKeys('output')) expect(doc).toContain(`| \`${k}\``);
  });

  it('has a section for every registered output type, listing each of its keys', async () => {
    const doc = await generateConfigDocs(root);
    for (const o of OUTPUTS) {
      const section = doc.split(`### ${o.types.map((t) => `\`type: ${t}\``).join(' / ')}\n`)[1]?.split('\n### ')[0];
      expect(section, o.key).toBeDefined();
      for (const k of Object.keys((o.definition.schema.properties ?? {}) as object)) expect(section, `${o.key}.${k}`).toContain(`| \`${k}\``);
    }
  });
});
