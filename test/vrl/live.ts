// Runs events through the ingest pipeline of a live Elasticsearch (`_simulate`), installed from the
// working tree under a private version so the package installed by setup is not touched; used by
// the parity test for the edge records of test/vrl/edge-records.json (no goldens for those).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClusterClient } from '../../src/integration/setup/http.js';
import { detectCapabilities } from '../../src/integration/setup/capabilities.js';
import { entryPipelineName, loadPipelines } from '../../src/integration/setup/pipelines.js';

const PIPELINES_DIR = fileURLToPath(new URL('../../pipelines/', import.meta.url));
export const EDGE_RECORDS = fileURLToPath(new URL('./edge-records.json', import.meta.url));
const VERSION = '0.0.0-vrlparity';

export function loadEdgeEvents(): Record<string, unknown>[] {
  return (JSON.parse(readFileSync(EDGE_RECORDS, 'utf8')) as { events: Record<string, unknown>[] }).events;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 2000)}`);
  return text ? JSON.parse(text) : {};
}

/** Installs the pipelines (GeoIP left out, like the pipeline tests) and returns a simulate function. */
export interface Simulated {
  source: Record<string, unknown>;
  /** The document _id the pipeline set (the record Id), if any. */
  id: string | undefined;
}

export async function livePipeline(url: string): Promise<{ simulate: (events: unknown[]) => Promise<Simulated[]>; remove: () => Promise<void> }> {
  const caps = await detectCapabilities(createClusterClient({ url }));
  const available = new Set([...caps.processors].filter((p) => p !== 'geoip'));
  const { pipelines } = loadPipelines(PIPELINES_DIR, VERSION, available);
  for (const p of pipelines) await call(url, 'PUT', `/_ingest/pipeline/${p.name}`, p.body);
  return {
    simulate: async (events) => {
      const sim = await call(url, 'POST', `/_ingest/pipeline/${entryPipelineName(VERSION)}/_simulate`, { docs: events.map((e) => ({ _source: e })) });
      return sim.docs.map((d: any, i: number) => {
        if (d.error) throw new Error(`simulate error on edge event ${i}: ${JSON.stringify(d.error)}`);
        return { source: d.doc._source as Record<string, unknown>, id: d.doc._id === '_id' ? undefined : (d.doc._id as string) };
      });
    },
    remove: async () => {
      for (const p of pipelines) await call(url, 'DELETE', `/_ingest/pipeline/${p.name}`).catch(() => undefined);
    },
  };
}
