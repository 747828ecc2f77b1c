// The painless stand-in for `set` with `copy_from` (missing on ES 7.10 and OpenSearch 2.19) gives
// the same documents that ES ≥ 7.11's copy_from gives: a deep copy, override and
// ignore_empty_value honoured. Checked with the simulate API on both real nodes.
import { describe, expect, it } from 'vitest';
import { adaptProcessors } from '../../src/integration/setup/processor-compat.js';
import { ENGINES, es, urlOf } from './setup-helpers.js';

const ALL = new Set(['set', 'script']);

async function simulate(url: string, processors: unknown[], source: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await es(url, 'POST', '/_ingest/pipeline/_simulate', { pipeline: { processors }, docs: [{ _source: source }] });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const doc = res.json.docs[0];
  expect(doc.error, JSON.stringify(doc.error)).toBeUndefined();
  return doc.doc._source;
}

describe.each(ENGINES)('set.copy_from equivalent on %s', (engine) => {
  it('deep-copies maps and lists into a dotted target', async () => {
    const { pipeline } = adaptProcessors({ processors: [{ set: { field: 'dst.inner', copy_from: 'src.obj' } }, { set: { field: 'src.obj.list', value: 'changed-after-copy', override: true } }] }, ALL, 't');
    // The second processor edits the source after the copy: a deep copy must not see it.
    const out = await simulate(urlOf(engine), pipeline['processors'] as unknown[], { src: { obj: { a: 1, list: [{ x: 'y' }] } } });
    expect(out['dst']).toEqual({ inner: { a: 1, list: [{ x: 'y' }] } });
  });

  it('honours override: false and ignore_empty_value like the set processor', async () => {
    const { pipeline } = adaptProcessors({
      processors: [
        { set: { field: 'kept', copy_from: 'src', override: false } },
        { set: { field: 'replaced', copy_from: 'src' } },
        { set: { field: 'not_set', copy_from: 'missing', ignore_empty_value: true } },
        { set: { field: 'not_set_empty', copy_from: 'empty', ignore_empty_value: true } },
      ],
    }, ALL, 't');
    const out = await simulate(urlOf(engine), pipeline['processors'] as unknown[], { src: 'new', kept: 'old', replaced: 'old', empty: '' });
    expect(out).toEqual({ src: 'new', kept: 'old', replaced: 'new', empty: '' });
  });
});
