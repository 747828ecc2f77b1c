// `setup` on a node with everything (the "a node with everything installs everything"):
// Elasticsearch 9 with ingest processors, ILM and the data-stream API. The matrix's Elasticsearch 9
// is an integ-test-zip without them, so the CLI's real `runSetup` talks to it through
// full-node-proxy.ts, which adds only those parts and sends everything else to the node: the
// templates carrying `index.default_pipeline`, the data stream made from them, the rollover of an
// existing data stream onto them and the pipelines' storage are the real node's. Then a second run
// must find everything up to date.
//
// The templates and every data stream of ours are shared with the other files that use this node:
// afterAll puts back what the es global setup installed (rolling the data streams onto it) and
// removes the pipelines the proxy stored and the rollover products that name our pipeline. The two
// data streams made here stay (the node has no API to delete a data stream), under names of this
// run, on clean write indices.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetup } from '../../src/integration/setup/command.js';
import { entryPipelineName, INDEX_TEMPLATE, LIFECYCLE_POLICY, loadPipelines, PACKAGE_COMPONENT, setup } from '../../src/integration/setup/index.js';
import { packageRoot, packageVersion, versionNumber } from '../../src/integration/setup/package-assets.js';
import { startFullNodeProxy, shippedProcessorTypes, STORED_PREFIX, type FullNodeProxy } from './full-node-proxy.js';
import { backingIndices, es, urlOf } from './setup-helpers.js';

const run = Date.now().toString(36);
const version = packageVersion();
const entry = entryPipelineName(version);
const namespace = `everything${run}`;
const stream = `logs-o365.audit-${namespace}`;
/** Exists before setup runs, made under the templates the es global setup installed. */
const earlier = `logs-o365.audit-everythingold${run}`;
const pipelines = loadPipelines(join(packageRoot(), 'pipelines'), version, new Set(shippedProcessorTypes())).pipelines;

const real = (): string => urlOf('es9');
let proxy: FullNodeProxy | undefined;
let indicesBefore: Set<string>;

async function ourIndices(): Promise<string[]> {
  const r = await es(real(), 'GET', '/_resolve/index/logs-o365.audit-*?expand_wildcards=all');
  return [...r.json.indices.map((i: { name: string }) => i.name), ...r.json.data_streams.flatMap((d: { backing_indices: string[] }) => d.backing_indices)];
}

async function indexSettings(index: string): Promise<{ default_pipeline?: string }> {
  return (await es(real(), 'GET', `/${index}/_settings`)).json[index].settings.index;
}

async function cli(): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSetup({ esUrl: proxy!.url, namespace }, { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } });
  return { code, out, err };
}

beforeAll(async () => {
  indicesBefore = new Set(await ourIndices());
  proxy = await startFullNodeProxy(real());
});

afterAll(async () => {
  await proxy?.close();
  // Back to the objects the es global setup installed: its templates (no pipeline, no lifecycle),
  // with every data stream of ours rolled over onto them.
  await setup({ url: real() });
  if (proxy?.emulated.ingest) {
    // The indices this file made that name the package's pipeline (empty rollover products, and
    // none is a write index after that rollover), and the pipelines the proxy stored.
    for (const index of (await ourIndices()).filter((i) => !indicesBefore.has(i))) {
      if ((await indexSettings(index)).default_pipeline === undefined) continue;
      const del = await es(real(), 'DELETE', `/${index}`);
      expect(del.status, JSON.stringify(del.json)).toBe(200);
    }
    const del = await es(real(), 'DELETE', `/_ingest/pipeline/${STORED_PREFIX}*`);
    expect(del.status, JSON.stringify(del.json)).toBe(200);
  }
  expect((await setup({ url: real() })).upToDate).toBe(true);
});

describe('setup on Elasticsearch 9 with ingest, ILM and the data-stream API', () => {
  it('installs every part, exits 0, and the real node holds templates and data streams that carry the pipeline', async () => {
    // The matrix's node, as setup.test.ts knows it: the proxy adds all three parts. (On a node that
    // had them the global setup would have installed everything, and this file would prove nothing new.)
    expect(proxy!.emulated).toEqual({ ingest: true, ilm: true, dataStreamApi: true });
    const doc = { '@timestamp': '2026-02-01T10:00:00.000Z', event: { action: 'FileAccessed' }, data_stream: { type: 'logs', dataset: 'o365.audit', namespace: `everythingold${run}` } };
    const first = await es(real(), 'POST', `/${earlier}/_doc?refresh=true`, doc);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    const earlierBefore = await backingIndices(real(), earlier);

    const { code, out, err } = await cli();
    expect(code, `${out}\n${err}`).toBe(0);
    expect(err).toBe('');
    expect(out).not.toContain('Not installed');
    expect(out).toMatch(/^elasticsearch 9\.\d+\.\d+: o365-audit \S+ installed\n/);
    for (const p of pipelines) expect(out).toContain(`  ingest pipeline ${p.name}: installed\n`);
    // Global setup installed it without pipeline and lifecycle; now it names both.
    expect(out).toContain(`  component template ${PACKAGE_COMPONENT}: updated\n`);
    // The index template does not depend on ingest or ILM.
    expect(out).toContain(`  index template ${INDEX_TEMPLATE}: up to date\n`);
    expect(out).toContain(`  lifecycle policy ${LIFECYCLE_POLICY}: installed\n`);
    expect(out).toContain(`  data stream ${stream}: installed\n`);
    expect(out).toContain(`  data stream ${earlier}: rolled over\n`);
    expect(out).toContain(`Documents go to ${stream}.`);

    // The node's own copies (asked directly, not through the proxy).
    const component = (await es(real(), 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;
    expect(component._meta.package.version).toBe(version);
    expect(component.template.settings.index.default_pipeline).toBe(entry);
    expect(JSON.stringify(component.template.mappings)).toContain('"type":"flattened"');
    const template = (await es(real(), 'GET', `/_index_template/${INDEX_TEMPLATE}`)).json.index_templates[0].index_template;
    expect(template.composed_of[0]).toBe(PACKAGE_COMPONENT);
    expect(template.data_stream).toBeDefined();
    expect(template.priority).toBe(200);
    // Every pipeline is stored on the node; the proxy holds the processors the node has no types for.
    // Elasticsearch 9 adds when it stored each one (which setup must not take for a difference).
    for (const p of pipelines) {
      expect((await es(real(), 'GET', `/_ingest/pipeline/${STORED_PREFIX}${p.name}`)).status, p.name).toBe(200);
      const viaProxy = (await es(proxy!.url, 'GET', `/_ingest/pipeline/${p.name}`)).json[p.name];
      expect(viaProxy, p.name).toEqual({ ...p.body, version: versionNumber(version), created_date_millis: expect.any(Number), modified_date_millis: expect.any(Number) });
    }

    // The new data stream, made by the node from our templates: its backing index names our
    // pipeline and has our mappings.
    const [backing, ...more] = await backingIndices(real(), stream);
    expect(more).toEqual([]);
    expect((await indexSettings(backing!)).default_pipeline).toBe(entry);
    const mapping = (await es(real(), 'GET', `/${backing}/_mapping`)).json[backing!].mappings;
    expect(mapping.properties.event.properties.action.type).toBe('keyword');
    expect(mapping.properties.o365.properties.audit.properties.UserId.type).toBe('keyword');

    // The data stream that existed before: rolled over, so only its new write index takes the pipeline.
    const earlierAfter = await backingIndices(real(), earlier);
    expect(earlierAfter.slice(0, -1)).toEqual(earlierBefore);
    expect(earlierAfter.length).toBe(earlierBefore.length + 1);
    expect((await indexSettings(earlierBefore[0]!)).default_pipeline).toBeUndefined();
    expect((await indexSettings(earlierAfter.at(-1)!)).default_pipeline).toBe(entry);

    // The lifecycle: this node refuses index.lifecycle.name ("unknown setting": no ILM module), so the
    // proxy held it back from the component template and nothing else; the policy it names is the
    // one setup installed.
    expect(Object.fromEntries(proxy!.heldLifecycle)).toEqual({ [`component_template/${PACKAGE_COMPONENT}`]: LIFECYCLE_POLICY });
    expect(component.template.settings.index.lifecycle).toBeUndefined();
    const componentViaProxy = (await es(proxy!.url, 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;
    expect(componentViaProxy.template.settings.index.lifecycle.name).toBe(LIFECYCLE_POLICY);
    const policy = await es(proxy!.url, 'GET', `/_ilm/policy/${LIFECYCLE_POLICY}`);
    expect(policy.status).toBe(200);
    expect(policy.json[LIFECYCLE_POLICY].policy._meta.package.version).toBe(version);
    expect(policy.json[LIFECYCLE_POLICY].policy.phases.hot.actions.rollover.max_age).toBe('30d');
  });

  it('a second run finds everything up to date, exits 0 and rolls nothing over', async () => {
    const streamBefore = await backingIndices(real(), stream);
    const earlierBefore = await backingIndices(real(), earlier);
    const { code, out, err } = await cli();
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/^elasticsearch 9\.\d+\.\d+: o365-audit \S+ already installed, everything up to date\n/);
    const assets = out.split('\n').filter((l) => l.startsWith('  '));
    expect(assets.length).toBe(pipelines.length + 4);
    expect(assets.filter((l) => !l.endsWith(': up to date'))).toEqual([]);
    expect(out).not.toContain('Not installed');
    expect(await backingIndices(real(), stream)).toEqual(streamBefore);
    expect(await backingIndices(real(), earlier)).toEqual(earlierBefore);
  });
});
