// `setup` against every engine of the matrix: installs everything the node supports and lists
// the rest with the reason, a second run is a no-op, a newer version replaces (and rolls the data
// stream over), an older one is refused unless forced.
import { describe, expect, it } from 'vitest';
import { entryPipelineName, INDEX_TEMPLATE, PACKAGE_COMPONENT, setup } from '../../src/integration/setup/index.js';
import { packageVersion } from '../../src/integration/setup/package-assets.js';
import { runSetup } from '../../src/integration/setup/command.js';
import { ENGINE_MATRIX } from '../../src/search-engine/matrix.js';
import { es, urlOf } from './setup-helpers.js';

const version = packageVersion();

describe.each(ENGINE_MATRIX.map((e) => [`${e.kind} ${e.version}`, e] as const))('setup on %s', (_name, spec) => {
  const url = (): string => urlOf(spec.id);
  const dataStreams = spec.id !== 'es7';

  it('has installed what the node supports, says what it could not install and why, and a re-run is up to date', async () => {
    const again = await setup({ url: url() });
    expect(again.upToDate).toBe(true);
    expect(again.assets.every((a) => a.status === 'up to date')).toBe(true);
    const entry = entryPipelineName(version);
    const component = (await es(url(), 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;
    expect(Number(component.template.settings.index.mapping.total_fields.limit)).toBeGreaterThanOrEqual(2000);
    expect(component._meta.package.version).toBe(version);
    const missing = again.notInstalled.map((m) => `${m.kind} ${m.name}: ${m.reason}`).join('\n');
    if (spec.ingest) {
      expect(again.assets.filter((a) => a.kind === 'ingest pipeline').length).toBeGreaterThan(1);
      expect((await es(url(), 'GET', `/_ingest/pipeline/${entry}`)).status).toBe(200);
      expect(component.template.settings.index.default_pipeline).toBe(entry);
      expect(missing).not.toMatch(/ingest pipeline/);
    } else {
      // ES 8/9 minimal distribution: no ingest modules, so no pipelines and no default_pipeline
      // pointing at one (documents must arrive processed).
      expect(again.assets.filter((a) => a.kind === 'ingest pipeline')).toEqual([]);
      expect((await es(url(), 'GET', `/_ingest/pipeline/${entry}`)).status).toBe(404);
      expect(component.template.settings.index.default_pipeline).toBeUndefined();
      expect(missing).toMatch(new RegExp(`ingest pipeline ${entry.replace(/\./g, '\\.')} \\(and \\d+ sub-pipelines\\): this cluster has no ingest processors`));
      // flattened exists on Elasticsearch 8/9 and is used.
      expect(JSON.stringify(component.template.mappings)).toContain('"type":"flattened"');
    }
    const template = (await es(url(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template;
    expect(template.index_patterns).toEqual(['logs-o365.audit-*']);
    expect(template.priority).toBe(200);
    expect(template.data_stream !== undefined).toBe(dataStreams);
    expect(again.dataStream).toBe(dataStreams);
    expect(again.notes.join('\n')).toMatch(dataStreams ? /logs-o365\.audit-default is a data stream/ : /no data streams: logs-o365\.audit-default is created as a plain index/);
    if (spec.kind === 'opensearch') expect(again.assets).toContainEqual({ kind: 'data stream', name: 'logs-o365.audit-default', status: 'up to date' });
    if (spec.source === 'integ-test-zip') expect(missing).toMatch(/data stream logs-o365\.audit-default: this cluster has no create-data-stream API/);
    // None of the test nodes has ILM or ISM.
    expect(missing).toMatch(/lifecycle policy o365-audit: this cluster has no lifecycle management/);
    expect(again.complete).toBe(false);

    // The CLI's documented exit status: 3 = installed what the cluster supports, rest listed.
    const out: string[] = [];
    const code = await runSetup({ esUrl: url() }, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } });
    expect(code).toBe(3);
    expect(out.join('')).toMatch(/Not installed \(this cluster cannot hold them\):\n {2}/);
  });

  it('replaces with a newer version, refuses an older one, and a forced downgrade restores', async () => {
    const newer = await setup({ url: url(), version: '999.0.0' });
    expect(newer.assets.find((a) => a.kind === 'component template')?.status).toBe('updated');
    if (spec.ingest) expect(newer.assets.find((a) => a.name === 'logs-o365.audit-999.0.0')?.status).toBe('installed');
    expect((await es(url(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template._meta.package.version).toBe('999.0.0');

    const refused = await setup({ url: url() }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('O365_ERR_SETUP');
    expect((refused as Error).message).toMatch(/999\.0\.0, newer than this .*not downgrading/);

    const restored = await setup({ url: url(), force: true });
    expect(restored.assets.find((a) => a.kind === 'index template')?.status).toBe('updated');
    expect((await setup({ url: url() })).upToDate).toBe(true);
    // Clean the test version's pipelines away (setup never deletes old pipelines itself).
    if (spec.ingest) await es(url(), 'DELETE', '/_ingest/pipeline/logs-o365.audit-999.0.0*');
  });
});
