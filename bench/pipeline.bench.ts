// Item 5: the ingest pipeline's throughput on the embedded Elasticsearch (placeholder until the
// engine launcher and pipelines are in; reports "not run" with the reason rather than a number).

import type { BenchContext, CaseResult } from './lib/context.js';
import { load } from './lib/machine.js';

export async function benchPipeline(_ctx: BenchContext): Promise<CaseResult> {
  return {
    name: 'pipeline',
    title: 'Ingest pipeline vs trivial pipeline (json only)',
    notRun: 'not implemented yet',
    metrics: {},
    targets: [{ text: '>= 0.4x the trivial pipeline', holds: undefined }],
    load: { before: load(), after: load() },
    at: new Date().toISOString(),
  };
}
