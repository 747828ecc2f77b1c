// `setup` against real Elasticsearch 7.10 and OpenSearch 2.19 nodes: installs everything, a
// second run is a no-op, a newer version replaces, an older one is refused unless forced.
import { describe, expect, it } from 'vitest';
import { entryPipelineName, INDEX_TEMPLATE, PACKAGE_COMPONENT, setup } from '../../src/integration/setup/index.js';
import { packageVersion } from '../../src/integration/setup/package-assets.js';
import { ENGINES, es, urlOf } from './setup-helpers.js';

const version = packageVersion();

describe.each(ENGINES)('setup on %s', (engine) => {
  const url = (): string => urlOf(engine);

  it('has installed pipelines, templates and settings, and a re-run is up to date', async () => {
    const again = await setup({ url: url() });
    expect(again.upToDate).toBe(true);
    expect(again.assets.every((a) => a.status === 'up to date')).toBe(true);
    expect(again.assets.filter((a) => a.kind === 'ingest pipeline').length).toBeGreaterThan(1);

    const entry = entryPipelineName(version);
    expect((await es(url(), 'GET', `/_ingest/pipeline/${entry}`)).status).toBe(200);
    const component = (await es(url(), 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;
    expect(component.template.settings.index.default_pipeline).toBe(entry);
    expect(Number(component.template.settings.index.mapping.total_fields.limit)).toBeGreaterThanOrEqual(2000);
    expect(component._meta.package.version).toBe(version);
    const template = (await es(url(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template;
    expect(template.index_patterns).toEqual(['logs-o365.audit-*']);
    expect(template.priority).toBe(200);
    // ES 7.10 OSS has no data streams; OpenSearch has them.
    expect(template.data_stream !== undefined).toBe(engine === 'opensearch');
    expect(again.dataStream).toBe(engine === 'opensearch');
    expect(again.notes.join('\n')).toMatch(engine === 'opensearch' ? /is a data stream/ : /no data streams: logs-o365\.audit-default is created as a plain index/);
    expect(again.notes).toContain('no lifecycle management on this cluster: indices are kept until you delete them');
  });

  it('replaces with a newer version, refuses an older one, and a forced downgrade restores', async () => {
    const newer = await setup({ url: url(), version: '999.0.0' });
    expect(newer.assets.find((a) => a.kind === 'component template')?.status).toBe('updated');
    expect(newer.assets.find((a) => a.name === 'logs-o365.audit-999.0.0')?.status).toBe('installed');
    expect((await es(url(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template._meta.package.version).toBe('999.0.0');

    const refused = await setup({ url: url() }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('O365_ERR_SETUP');
    expect((refused as Error).message).toMatch(/999\.0\.0, newer than this .*not downgrading/);

    const restored = await setup({ url: url(), force: true });
    expect(restored.assets.find((a) => a.kind === 'index template')?.status).toBe('updated');
    expect((await setup({ url: url() })).upToDate).toBe(true);
    // Clean the test version's pipelines away (setup never deletes old pipelines itself).
    await es(url(), 'DELETE', '/_ingest/pipeline/logs-o365.audit-999.0.0*');
  });
});
