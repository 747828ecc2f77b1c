// Drives examples/fluent-bit and examples/logstash with the contract those shippers use: the
// configured http output POSTs to a local server that decodes requests the way Fluent Bit's
// `http` input and Logstash's `http` input (with the example's codec) do.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import { normaliseHttpOutput, type RawHttpOutput } from './config.js';
import { HttpOutput } from './http-output.js';
import { startReceiver, type TestReceiver } from '../testing/receiver.js';
import { contentTypeOf, sampleRecords } from '../testing/records.js';

const root = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const text = (p: string): string => readFileSync(root(p), 'utf8');
const noFiles = { baseDir: root('.'), read: () => undefined };

/** The example's output entry, checked against the shipped config schema's http branch. */
function exampleOutput(file: string): RawHttpOutput {
  const cfg = parseYaml(text(file)) as { output: RawHttpOutput };
  const ajv = new Ajv({ strict: false });
  const validate = ajv.compile({ definitions: configSchema.definitions, $ref: '#/definitions/output_http' });
  expect(validate(cfg.output), JSON.stringify(validate.errors)).toBe(true);
  return cfg.output;
}

/** Fluent Bit classic config: the keys of the first section named `name` with `Name <plugin>`. */
function fluentSection(conf: string, section: string, plugin: string): Record<string, string> {
  const blocks = conf.split(/^\[/m).slice(1);
  for (const b of blocks) {
    const [head, ...lines] = b.split('\n');
    if (head?.trim().replace(/\]$/, '').toUpperCase() !== section) continue;
    const kv: Record<string, string> = {};
    for (const l of lines) {
      const m = /^\s+([A-Za-z_]+)\s+(.+?)\s*$/.exec(l);
      if (m && !l.trim().startsWith('#')) kv[m[1]!.toLowerCase()] = m[2]!;
    }
    if (kv.name === plugin) return kv;
  }
  throw new Error(`no [${section}] ${plugin}`);
}

function sizeBytes(s: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(s.trim());
  if (!m) throw new Error(`size ${s}`);
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!.toUpperCase()]!;
}

let rx: TestReceiver | undefined;
let out: HttpOutput | undefined;
afterEach(async () => {
  await out?.close().catch(() => {});
  await rx?.close();
  out = rx = undefined;
});

/** The example's output, pointed at the local receiver (same path), sent every record. */
async function ship(raw: RawHttpOutput, records: string[]): Promise<void> {
  const url = new URL(raw.url);
  const local = new URL(rx!.url);
  url.host = local.host;
  out = new HttpOutput(normaliseHttpOutput({ ...raw, url: url.href, flush_interval: undefined }, noFiles));
  for (const r of records) await out.write(r, { tenantId: 't', contentType: contentTypeOf(r), contentId: 'c' });
  await out.flushTo(out.mark());
}

describe('examples/fluent-bit', () => {
  it('delivers every record, intact and tagged, to an http input configured like fluent-bit.conf', async () => {
    const input = fluentSection(text('examples/fluent-bit/fluent-bit.conf'), 'INPUT', 'http');
    const raw = exampleOutput('examples/fluent-bit/collector.yaml');
    expect(new URL(raw.url).port).toBe(input.port);
    const bufferMax = sizeBytes(input.buffer_max_size ?? '4M');
    expect(raw.batch_max_bytes ?? 1 << 20).toBeLessThan(bufferMax);
    const okCode = Number(input.successful_response_code ?? 201);

    // Fluent Bit's in_http: body over buffer_max_size -> 413; application/json body is one JSON
    // object or an array of objects, each one record; the tag is the URL path.
    const events: Array<{ tag: string; record: unknown }> = [];
    rx = await startReceiver('/');
    rx.reply = (req) => {
      if (Buffer.byteLength(req.body) > bufferMax) return { status: 413 };
      if (!String(req.headers['content-type']).startsWith('application/json')) return { status: 400 };
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        return { status: 400 };
      }
      const list = Array.isArray(body) ? body : [body];
      if (!list.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) return { status: 400 };
      const tag = req.url.replace(/^\//, '') || 'http.0';
      for (const record of list) events.push({ tag, record });
      return { status: okCode };
    };
    const records = sampleRecords();
    await ship(raw, records);
    expect(events.map((e) => e.tag)).toEqual(records.map(() => 'o365.audit'));
    expect(events.map((e) => e.record)).toEqual(records.map((r) => JSON.parse(r)));
  });

  it('keeps the exec variant on stdout NDJSON with a large enough buffer', () => {
    const exec = fluentSection(text('examples/fluent-bit/fluent-bit-exec.conf'), 'INPUT', 'exec');
    expect(exec.command).toMatch(/^o365-audit collect --config \S+ --once$/);
    expect(sizeBytes(exec.buf_size!.replace(/b$/i, ''))).toBeGreaterThanOrEqual(1 << 20);
    const cfg = parseYaml(text('examples/fluent-bit/collector-stdout.yaml')) as { output: { type: string } };
    expect(cfg.output.type).toBe('stdout');
    const parsers = text('examples/fluent-bit/parsers.conf');
    expect(parsers).toMatch(new RegExp(`Name\\s+${exec.parser}`));
    expect(parsers).toMatch(/Format\s+json/);
  });
});

describe('examples/logstash', () => {
  it('gives each event the untouched record as message and the record Id as document_id', async () => {
    const conf = text('examples/logstash/pipeline.conf');
    const port = /http\s*\{[^}]*?port\s*=>\s*(\d+)/s.exec(conf)?.[1];
    const codec = /additional_codecs\s*=>\s*\{\s*"([^"]+)"\s*=>\s*"([^"]+)"\s*\}/.exec(conf);
    const docIdRef = /document_id\s*=>\s*"%\{\[@metadata\]\[o365\]\[(\w+)\]\}"/.exec(conf)?.[1];
    expect(/json\s*\{\s*source\s*=>\s*"message"\s*target\s*=>\s*"\[@metadata\]\[o365\]"/.test(conf)).toBe(true);
    expect(/action\s*=>\s*"create"/.test(conf)).toBe(true);
    const raw = exampleOutput('examples/logstash/collector.yaml');
    expect(new URL(raw.url).port).toBe(port);
    expect(codec?.[1]).toBe('application/x-ndjson');
    expect(codec?.[2]).toBe('line');
    expect(docIdRef).toBe('Id');

    // Logstash's http input picks the codec by Content-Type; `line` emits one event per line with
    // the text in `message`. Then the pipeline's json filter reads the Id into @metadata.
    const indexed: Array<{ id: string; message: string }> = [];
    rx = await startReceiver('/');
    rx.reply = (req) => {
      if (req.headers['content-type'] !== codec?.[1]) return { status: 415 };
      const lines = req.body.split('\n');
      if (lines.at(-1) !== '') return { status: 400 };
      for (const message of lines.slice(0, -1)) {
        const meta = JSON.parse(message) as Record<string, unknown>;
        indexed.push({ id: String(meta[docIdRef!]), message });
      }
      return { status: 200 };
    };
    const records = sampleRecords();
    await ship(raw, records);
    expect(indexed.map((e) => e.message)).toEqual(records);
    expect(indexed.map((e) => e.id)).toEqual(records.map((r) => (JSON.parse(r) as { Id: string }).Id));
    expect(new Set(indexed.map((e) => e.id)).size).toBe(records.length);
  });
});
