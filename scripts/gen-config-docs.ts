// Writes docs/config.md (rendered by src/config/docs.ts from the config schema); `--check` exits 1
// when the committed file is stale (src/config/config-docs.test.ts does the same).

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOCS_PATH, generateConfigDocs } from '../src/config/docs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const text = await generateConfigDocs(root);
const target = path.join(root, CONFIG_DOCS_PATH);
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write(`${CONFIG_DOCS_PATH} is stale: run \`npm run gen:config-docs\`\n`);
    process.exitCode = 1;
  }
} else {
  await writeFile(target, text);
  process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
}
