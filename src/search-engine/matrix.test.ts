// The README's tested-engines table is the matrix (src/search-engine/matrix.ts), row for row.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENGINE_MATRIX, javaHome } from './matrix.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('engine matrix', () => {
  it('README lists every engine of the matrix with its version, Java, source, variable and what it proves', () => {
    const table = readme.slice(readme.indexOf('<!-- engine-matrix:start -->'), readme.indexOf('<!-- engine-matrix:end -->'));
    const rows = table.split('\n').filter((l) => /^\| (Elasticsearch|OpenSearch) \|/.test(l));
    const expected = ENGINE_MATRIX.map((e) => `| ${e.kind === 'elasticsearch' ? 'Elasticsearch' : 'OpenSearch'} | ${e.version} | ${e.java} | ${e.source === 'runner' ? 'codelibs runner' : 'integ-test-zip'} | \`${e.urlEnv}\` | ${e.proves} |`);
    expect(rows).toEqual(expected);
  });

  it('has one engine per id and a URL variable each, ingest engines with a runner pom', () => {
    expect(new Set(ENGINE_MATRIX.map((e) => e.id)).size).toBe(ENGINE_MATRIX.length);
    expect(new Set(ENGINE_MATRIX.map((e) => e.urlEnv)).size).toBe(ENGINE_MATRIX.length);
    for (const e of ENGINE_MATRIX) expect(e.source === 'runner' ? e.pomDir !== undefined && e.launcher !== undefined : e.ingest === false, e.id).toBe(true);
  });

  it('finds Java 25 through O365_AUDIT_JAVA25_HOME first', () => {
    expect(javaHome(25, { O365_AUDIT_JAVA25_HOME: '/opt/j25' })).toBe('/opt/j25');
    expect(javaHome(17, { JAVA_HOME: '/opt/j17' })).toBe('/opt/j17');
    expect(javaHome(17, {})).toBeUndefined();
  });
});
