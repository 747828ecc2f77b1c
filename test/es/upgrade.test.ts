// Upgrades on Elasticsearch 9 and OpenSearch 3: `setup` of this version over the objects the
// previous release installed (taken from git history at test time) updates the versioned
// pipelines and the templates, rolls our data streams over so the new write index takes the new
// mappings and settings, keeps the old documents searchable, takes new ones, and leaves no field
// with two types across backing indices. A second run changes nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_TEMPLATE, PACKAGE_COMPONENT, setup } from '../../src/integration/setup/index.js';
import { createClusterClient } from '../../src/integration/setup/http.js';
import { detectCapabilities } from '../../src/integration/setup/capabilities.js';
import { enginePackageRoot } from '../../src/search-engine/engine-runner.js';
import { backingIndices, es, noTypeConflicts, urlOf } from './setup-helpers.js';

/** The previous release: main before issue 9 (version 0.1.0 objects, no logs@custom, old pipelines). */
export const PREVIOUS_RELEASE = '4dfd61c';
const root = enginePackageRoot();
const run = Date.now().toString(36);
const prev = join(root, '.tmp', `previous-${run}`);

function record(id: string): Record<string, unknown> {
  return { CreationTime: '2026-02-01T10:00:00', Id: id, Operation: 'FileAccessed', OrganizationId: 'b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd', RecordType: 6, UserKey: 'k', UserType: 0, Version: 1, Workload: 'SharePoint', ClientIP: '192.0.2.10', UserId: 'alice@contoso.example', ObjectId: 'https://contoso.example/sites/a/doc.docx', SourceFileName: 'doc.docx', SourceFileExtension: 'docx' };
}

/** Runs a script in the previous release's tree (its own imports, this clone's node_modules). */
function runPrevious(script: string, args: string[]): string {
  const file = join(prev, `run-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, script);
  return execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file, ...args], { cwd: prev, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  mkdirSync(prev, { recursive: true });
  // A fresh clone has the history; the archive holds the previous release's code, fields and pipelines.
  execFileSync('sh', ['-c', `git archive ${PREVIOUS_RELEASE} package.json src fields pipelines scripts | tar -x -C "${prev}"`], { cwd: root });
});
afterAll(() => rmSync(prev, { recursive: true, force: true }));

describe('upgrade from the previous release on OpenSearch 3', () => {
  const url = (): string => urlOf('os3');
  const stream = `logs-o365.audit-upgrade${run}`;

  it('installs over the previous release: pipelines updated, templates and data stream kept or rolled over as their content says', async () => {
    // The previous release's own setup, run from its code against the node.
    const out = runPrevious(`import { setup } from './src/integration/setup/setup.js';\nconst r = await setup({ url: process.argv[2]! });\nconsole.log(JSON.stringify(r));\n`, [url()]);
    const old = JSON.parse(out.trim().split('\n').pop()!) as { version: string; assets: Array<{ kind: string; status: string }> };
    expect(old.version).toBe('0.1.0');
    const oldComponent = (await es(url(), 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;

    // A document written through the previous release's pipeline.
    const first = await es(url(), 'POST', `/${stream}/_doc?refresh=true`, { message: JSON.stringify(record(`old-${run}`)) });
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect((await backingIndices(url(), stream)).length).toBe(1);

    const now = await setup({ url: url() });
    // The pipelines changed since (the CreationTime date processor): same versioned names, new bodies.
    expect(now.assets.filter((a) => a.kind === 'ingest pipeline' && a.status === 'updated').map((a) => a.name)).toContain('logs-o365.audit-0.1.0-common');
    const newComponent = (await es(url(), 'GET', `/_component_template/${PACKAGE_COMPONENT}`)).json.component_templates[0].component_template;
    const mappingsChanged = JSON.stringify(oldComponent.template) !== JSON.stringify(newComponent.template);
    // Roll over exactly when the templates changed.
    expect(now.assets.some((a) => a.kind === 'data stream' && a.name === stream && a.status === 'rolled over')).toBe(mappingsChanged || now.assets.some((a) => a.kind === 'index template' && a.status !== 'up to date'));

    const second = await es(url(), 'POST', `/${stream}/_doc?refresh=true`, { message: JSON.stringify(record(`new-${run}`)) });
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    const docs = await es(url(), 'POST', `/${stream}/_search`, { query: { term: { 'event.action': 'FileAccessed' } }, size: 10 });
    expect(docs.json.hits.hits.map((h: { _id: string }) => h._id).sort()).toEqual([`new-${run}`, `old-${run}`]);
    expect(docs.json.hits.hits.every((h: { _source: { error?: unknown } }) => h._source.error === undefined)).toBe(true);
    expect(await noTypeConflicts(url(), stream)).toEqual([]);
    const again = await setup({ url: url() });
    expect(again.upToDate).toBe(true);
  });

  it('rolls the data stream over when the mappings change, and the new field is mapped in the new write index only', async () => {
    // The next version of the package: this one plus a field, installed from a copy.
    const next = join(prev, 'next');
    mkdirSync(next, { recursive: true });
    execFileSync('cp', ['-r', join(root, 'fields'), join(root, 'pipelines'), join(root, 'package.json'), next]);
    writeFileSync(join(next, 'fields', 'upgrade-test.yml'), '- name: o365.audit.UpgradeTestField\n  type: keyword\n  description: added by the upgrade test\n');
    const before = await backingIndices(url(), stream);
    const upgraded = await setup({ url: url(), packageDir: next, version: '0.1.1' });
    expect(upgraded.assets.find((a) => a.kind === 'component template')?.status).toBe('updated');
    expect(upgraded.assets).toContainEqual({ kind: 'data stream', name: stream, status: 'rolled over' });
    const after = await backingIndices(url(), stream);
    expect(after.length).toBe(before.length + 1);
    const mapping = await es(url(), 'GET', `/${after.at(-1)}/_mapping/field/o365.audit.UpgradeTestField`);
    expect(JSON.stringify(mapping.json)).toContain('"type":"keyword"');
    const third = await es(url(), 'POST', `/${stream}/_doc?refresh=true`, { message: JSON.stringify({ ...record(`next-${run}`), UpgradeTestField: 'x' }) });
    expect(third.status, JSON.stringify(third.json)).toBe(201);
    expect((await es(url(), 'POST', `/${stream}/_search`, { query: { term: { 'o365.audit.UpgradeTestField': 'x' } } })).json.hits.total.value).toBe(1);
    expect(await noTypeConflicts(url(), stream)).toEqual([]);
    // Back to this version (a deliberate downgrade), and the test version's pipelines removed.
    await setup({ url: url(), force: true });
    await es(url(), 'DELETE', '/_ingest/pipeline/logs-o365.audit-0.1.1*');
    expect((await setup({ url: url() })).upToDate).toBe(true);
  });
});

describe('upgrade from the previous release on Elasticsearch 9', () => {
  const url = (): string => urlOf('es9');
  const stream = `logs-o365.audit-upgrade${run}`;

  it('installs over the previous release\'s templates, rolls the data stream over, and keeps old and new documents', async () => {
    // The previous release could not reach this node (GET / answers 405 here), so its objects are
    // generated by its own code for this node's capabilities and stored as its setup stored them.
    const caps = await detectCapabilities(createClusterClient({ url: url() }));
    const generator = `
import { generateMappings } from './src/integration/mappings/generate.js';
import { loadFieldsDir } from './src/integration/mappings/load-fields.js';
import { componentTemplateBody, indexTemplateBody, meta } from './src/integration/setup/templates.js';
import { contentHash } from './src/integration/setup/setup.js';
import { packageVersion, versionNumber } from './src/integration/setup/package-assets.js';
import { entryPipelineName } from './src/integration/setup/pipelines.js';
const caps = JSON.parse(process.argv[2]!);
const version = packageVersion(process.cwd());
const stored = (body: Record<string, unknown>) => ({ ...body, version: versionNumber(version), _meta: { ...meta(version), hash: contentHash(body) } });
const generated = generateMappings(loadFieldsDir('fields'), caps.mapping);
console.log(JSON.stringify({ version, component: stored(componentTemplateBody(generated, entryPipelineName(version), caps)), index: stored(indexTemplateBody(caps)) }));
`;
    const old = JSON.parse(runPrevious(generator, [JSON.stringify({ ...caps, processors: [], lifecycle: 'none' })]).trim().split('\n').pop()!) as { version: string; component: Record<string, any>; index: Record<string, any> };
    expect(old.version).toBe('0.1.0');
    expect(old.component.template.settings.index.default_pipeline).toBe('logs-o365.audit-0.1.0');
    expect((await es(url(), 'PUT', `/_component_template/${PACKAGE_COMPONENT}`, old.component)).status).toBe(200);
    expect((await es(url(), 'PUT', `/_index_template/${INDEX_TEMPLATE}`, old.index)).status).toBe(200);

    // A processed document under the previous templates (their default pipeline does not exist
    // on a node without ingest, so the write names none).
    const doc = (id: string) => ({ '@timestamp': '2026-02-01T10:00:00.000Z', event: { action: 'FileAccessed', id }, file: { name: 'doc.docx', extension: 'docx' }, o365: { audit: { UserId: 'alice@contoso.example', Id: id } }, data_stream: { type: 'logs', dataset: 'o365.audit', namespace: `upgrade${run}` } });
    const first = await es(url(), 'PUT', `/${stream}/_create/old-${run}?refresh=true&pipeline=_none`, doc(`old-${run}`));
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect((await backingIndices(url(), stream)).length).toBe(1);

    const now = await setup({ url: url() });
    expect(now.assets.find((a) => a.kind === 'component template')?.status).toBe('updated');
    expect(now.assets.find((a) => a.kind === 'index template')?.status).toBe('updated');
    expect(now.assets).toContainEqual({ kind: 'data stream', name: stream, status: 'rolled over' });
    const after = await backingIndices(url(), stream);
    expect(after.length).toBe(2);
    // The new write index has no default pipeline pointing at a pipeline this node cannot hold.
    const settings = await es(url(), 'GET', `/${after[1]}/_settings?filter_path=*.settings.index.default_pipeline`);
    expect(JSON.stringify(settings.json)).not.toContain('default_pipeline');

    const second = await es(url(), 'PUT', `/${stream}/_create/new-${run}?refresh=true`, doc(`new-${run}`));
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    const docs = await es(url(), 'POST', `/${stream}/_search`, { query: { term: { 'event.action': 'FileAccessed' } }, size: 10 });
    expect(docs.json.hits.hits.map((h: { _id: string }) => h._id).sort()).toEqual([`new-${run}`, `old-${run}`]);
    expect(await noTypeConflicts(url(), stream)).toEqual([]);

    const again = await setup({ url: url() });
    expect(again.upToDate).toBe(true);
    expect(await backingIndices(url(), stream)).toEqual(after);
  });
});
