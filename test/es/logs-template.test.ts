// Elasticsearch 8/9 default distributions ship a built-in `logs` index template (logs-*-*,
// priority 100, data stream) that also matches logs-o365.audit-*. The integ-test-zip nodes have no
// built-in templates, so a stand-in with the built-in's name, pattern and priority (and a mapping
// and settings that differ from ours) is installed: ours must win for new data streams, and the
// Fleet-style hooks logs@custom and logs-o365.audit@custom must apply in that order.
import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOM_COMPONENT, INDEX_TEMPLATE } from '../../src/integration/setup/index.js';
import { es, urlOf } from './setup-helpers.js';

const run = Date.now().toString(36);
const BUILTIN = 'logs';

describe.each([['Elasticsearch 8', 'es8'], ['Elasticsearch 9', 'es9']] as const)('our template over the built-in logs template on %s', (_name, id) => {
  const url = (): string => urlOf(id);
  afterAll(async () => {
    await es(url(), 'DELETE', `/_index_template/${BUILTIN}`);
    await es(url(), 'DELETE', '/_component_template/logs@custom');
    await es(url(), 'DELETE', `/_component_template/${CUSTOM_COMPONENT}`);
  });

  it('wins over a template with the built-in logs pattern and priority', async () => {
    const standIn = await es(url(), 'PUT', `/_index_template/${BUILTIN}`, {
      index_patterns: ['logs-*-*'],
      priority: 100,
      data_stream: {},
      template: {
        settings: { index: { refresh_interval: '17s' } },
        mappings: { properties: { event: { properties: { action: { type: 'text' } } }, o365: { type: 'object', enabled: false } } },
      },
    });
    expect(standIn.status, JSON.stringify(standIn.json)).toBe(200);
    const sim = await es(url(), 'POST', `/_index_template/_simulate_index/logs-o365.audit-builtin${run}`);
    expect(sim.status).toBe(200);
    expect(sim.json.overlapping.map((o: { name: string }) => o.name)).toContain(BUILTIN);
    expect(sim.json.template.mappings.properties.event.properties.action.type).toBe('keyword');
    expect(sim.json.template.settings.index.refresh_interval).toBeUndefined();

    // A real write creates the data stream from our template, not the stand-in.
    const stream = `logs-o365.audit-builtin${run}`;
    const put = await es(url(), 'POST', `/${stream}/_doc?refresh=true`, { '@timestamp': '2026-01-01T00:00:00Z', event: { action: 'UserLoggedIn' }, o365: { audit: { UserId: 'a@b.example' } } });
    expect(put.status, JSON.stringify(put.json)).toBe(201);
    const mapping = await es(url(), 'GET', `/${stream}/_mapping`);
    const backing = Object.values(mapping.json)[0] as { mappings: { properties: Record<string, any> } };
    expect(backing.mappings.properties['event'].properties.action.type).toBe('keyword');
    expect(backing.mappings.properties['o365'].properties.audit.properties.UserId.type).toBe('keyword');
    const found = await es(url(), 'POST', `/${stream}/_search`, { query: { term: { 'event.action': 'UserLoggedIn' } } });
    expect(found.json.hits.total.value).toBe(1);
    const template = (await es(url(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template;
    expect(template.priority).toBeGreaterThan(100);
  });

  it('applies logs@custom, then logs-o365.audit@custom over it (Fleet conventions)', async () => {
    expect((await es(url(), 'PUT', '/_component_template/logs@custom', { template: { settings: { index: { refresh_interval: '11s' } }, mappings: { properties: { labels: { properties: { o365_site: { type: 'keyword' } } } } } } })).status).toBe(200);
    let sim = await es(url(), 'POST', `/_index_template/_simulate_index/logs-o365.audit-custom${run}`);
    expect(sim.json.template.settings.index.refresh_interval).toBe('11s');
    expect(sim.json.template.mappings.properties.labels.properties.o365_site.type).toBe('keyword');
    expect((await es(url(), 'PUT', `/_component_template/${CUSTOM_COMPONENT}`, { template: { settings: { index: { refresh_interval: '13s' } } } })).status).toBe(200);
    sim = await es(url(), 'POST', `/_index_template/_simulate_index/logs-o365.audit-custom${run}`);
    expect(sim.json.template.settings.index.refresh_interval).toBe('13s');
    // Our own mappings still hold.
    expect(sim.json.template.mappings.properties.event.properties.action.type).toBe('keyword');
  });
});
