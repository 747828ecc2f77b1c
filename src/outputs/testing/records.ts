// Records for the shipping tests: real Office 365 records from the shared corpus (Elastic's
// pipeline test inputs, copied into test/corpus), plus edge cases written here.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Elastic's pipeline test inputs (test/corpus/README.md says where they come from).
const CORPUS = fileURLToPath(new URL('../../../test/corpus/elastic/', import.meta.url));

/** Hand-made records with awkward text: escapes, astral characters, an integer beyond 64 bits. */
export const EDGE_CASES = [
  '{"CreationTime":"2024-05-01T10:00:00","Id":"e1","Operation":"FileAccessed","RecordType":6,"UserId":"zoë@example.com","ObjectId":"https://x/sites/a/Docs/r\\u00e9sum\\u00e9 \\"final\\".docx","Workload":"SharePoint"}',
  '{"CreationTime":"2024-05-01T10:00:01","Id":"e2","Operation":"Set-Mailbox","RecordType":1,"Parameters":[{"Name":"Identity","Value":"a\\\\b"},{"Name":"Big","Value":12345678901234567890}],"ResultStatus":"True","Workload":"Exchange"}',
  '{"CreationTime":"2024-05-01T10:00:02","Id":"e3","Operation":"UserLoggedIn","RecordType":15,"ExtendedProperties":[{"Name":"UserAgent","Value":"Mozilla/5.0 \\ud83d\\ude00"}],"Score":1.50,"Workload":"AzureActiveDirectory"}',
];

/** Raw record texts (one JSON object each, compact, as the API sends them), distinct Ids. */
export function sampleRecords(limit = 60, edgeCases = true): string[] {
  const out = edgeCases ? [...EDGE_CASES] : [];
  const ids = new Set(out.map((r) => (JSON.parse(r) as { Id: string }).Id));
  {
    for (const f of readdirSync(CORPUS).sort()) {
      if (!f.startsWith('test-') || f.endsWith('-expected.json')) continue;
      const doc = JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as { events?: Array<{ o365audit?: unknown; event?: { original?: string } }> };
      for (const e of doc.events ?? []) {
        const raw = e.event?.original ?? (e.o365audit !== undefined ? JSON.stringify(e.o365audit) : undefined);
        if (raw === undefined || !usable(raw)) continue;
        const id = (JSON.parse(raw) as { Id: string }).Id;
        if (ids.has(id)) continue;
        ids.add(id);
        out.push(raw);
        if (out.length >= limit) return out;
      }
    }
  }
  return out;
}

/** One compact JSON object (some corpus inputs are deliberately broken, for pipeline error tests). */
function usable(raw: string): boolean {
  if (!raw.startsWith('{') || raw.includes('\n')) return false;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { Id?: unknown }).Id === 'string';
  } catch {
    return false;
  }
}

/** The content type of a record, from its RecordType (enough for the tests). */
export function contentTypeOf(raw: string): string {
  const rt = Number((JSON.parse(raw) as { RecordType?: unknown }).RecordType);
  if (rt === 15 || rt === 8) return 'Audit.AzureActiveDirectory';
  if (rt === 1 || rt === 2 || rt === 3) return 'Audit.Exchange';
  if (rt === 4 || rt === 6 || rt === 14) return 'Audit.SharePoint';
  if (rt === 11 || rt === 13 || rt === 33) return 'DLP.All';
  return 'Audit.General';
}

/** A test record's top-level Id, as the splitter would hand it over (tests only: outputs never parse for it). */
export function idOf(raw: string): string | undefined {
  const id = (JSON.parse(raw) as { Id?: unknown }).Id;
  return typeof id === 'string' ? id : undefined;
}
