import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPipelines } from './pipelines.js';
import { adaptProcessors } from './processor-compat.js';

const dirs: string[] = [];
function pkg(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'o365-pipelines-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const ALL = new Set(['set', 'pipeline', 'geoip', 'rename', 'script', 'foreach', 'append']);

describe('loadPipelines', () => {
  it('names pipelines like Fleet and resolves {{ IngestPipeline }} references', () => {
    const dir = pkg({
      'default.yml': '---\nprocessors:\n  - pipeline:\n      name: \'{{ IngestPipeline "exchange" }}\'\n',
      'exchange.yml': '---\nprocessors:\n  - set: { field: a, value: b }\n',
    });
    const { pipelines } = loadPipelines(dir, '1.2.3', ALL);
    expect(pipelines.map((p) => p.name).sort()).toEqual(['logs-o365.audit-1.2.3', 'logs-o365.audit-1.2.3-exchange']);
    const entry = pipelines.find((p) => p.file === 'default');
    expect(entry?.body['processors']).toEqual([{ pipeline: { name: 'logs-o365.audit-1.2.3-exchange' } }]);
  });

  it('fails naming the file when a reference has no pipeline file', () => {
    const dir = pkg({ 'default.yml': 'processors:\n  - pipeline:\n      name: \'{{ IngestPipeline "nope" }}\'\n' });
    expect(() => loadPipelines(dir, '1.0.0', ALL)).toThrow(/pipelines\/default\.yml refers to pipeline "nope"/);
  });

  it('turns geoip.yml into an empty pipeline where the cluster has no geoip processor, and says so', () => {
    const dir = pkg({
      'default.yml': 'processors:\n  - set: { field: a, value: b }\n',
      'geoip.yml': 'processors:\n  - geoip: { field: source.ip, target_field: source.geo }\n  - rename: { field: x, target_field: y }\n',
    });
    const without = loadPipelines(dir, '1.0.0', new Set(['set', 'rename']));
    expect(without.pipelines.find((p) => p.file === 'geoip')?.body['processors']).toEqual([]);
    expect(without.notes.map((n) => n.detail).join()).toMatch(/no geoip processor/);
    const withGeoip = loadPipelines(dir, '1.0.0', ALL);
    expect((withGeoip.pipelines.find((p) => p.file === 'geoip')?.body['processors'] as unknown[]).length).toBe(2);
    expect(withGeoip.notes).toEqual([]);
  });
});

describe('adaptProcessors', () => {
  it('rewrites set.copy_from into a painless script, also inside on_failure and foreach', () => {
    const { pipeline, notes } = adaptProcessors({
      processors: [
        { set: { field: 'b', copy_from: 'a', tag: 't1', if: 'ctx.a != null' } },
        { foreach: { field: 'list', processor: { set: { field: 'c', copy_from: '_ingest._value' } } } },
      ],
      on_failure: [{ set: { field: 'err', copy_from: 'a' } }],
    }, ALL, 'x.yml');
    const [first, second] = pipeline['processors'] as Array<Record<string, any>>;
    expect(first?.['script']).toMatchObject({ tag: 't1', if: 'ctx.a != null', lang: 'painless', params: { from: 'a', to: 'b', override: true, ignore_empty: false } });
    expect(second?.['foreach'].processor.script.params).toMatchObject({ from: '_ingest._value', to: 'c' });
    expect((pipeline['on_failure'] as Array<Record<string, any>>)[0]?.['script']).toBeDefined();
    expect(notes[0]?.detail).toMatch(/copy_from/);
  });

  it('refuses a processor the cluster lacks when no equivalent is known', () => {
    expect(() => adaptProcessors({ processors: [{ fingerprint: { fields: ['a'] } }] }, ALL, 'pipelines/x.yml')).toThrow(/pipelines\/x\.yml: the cluster has no "fingerprint" ingest processor/);
  });
});
