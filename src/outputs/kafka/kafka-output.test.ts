// The kafka output's batching without a broker: the client is replaced by a producer that records
// each batch it is asked to send (test/kafka/ covers delivery against a real broker).

import { describe, expect, it, vi } from 'vitest';
import type { RecordMeta } from '../types.js';
import { KafkaOutput } from './kafka-output.js';

type Sent = Array<{ topic: string; key: string | undefined; value: string }>;
const batches = vi.hoisted(() => [] as Sent[]);

vi.mock('@platformatic/kafka', async (importOriginal) => {
  const real = await importOriginal<typeof import('@platformatic/kafka')>();
  class Producer {
    async metadata(opts: { topics: string[] }) {
      return { topics: new Map(opts.topics.map((t) => [t, {}])) };
    }
    async send(req: { messages: Sent }) {
      batches.push(req.messages);
      return {};
    }
    async close() {}
  }
  return { ...real, Producer };
});

const meta: RecordMeta = { tenantId: '00000000-0000-0000-0000-00000000000a', contentType: 'Audit.SharePoint', contentId: 'c1' };

describe('kafka output batching', () => {
  it('bounds a batch by UTF-8 bytes, so records of non-ASCII text stay within batch_max_bytes', async () => {
    batches.length = 0;
    const out = new KafkaOutput({ type: 'kafka', brokers: ['localhost:9092'], topic: 'o365', flushIntervalMs: 0, batchMaxBytes: 1024, batchMaxDocs: 1000 });
    await out.open(undefined);
    for (let i = 0; i < 20; i++) {
      const id = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
      // 'ü' is one UTF-16 code unit but two UTF-8 bytes; '😀' is two code units, four bytes.
      await out.write(JSON.stringify({ Id: id, ObjectId: `https://x/sites/a/${'ü'.repeat(60)}${'😀'.repeat(20)}` }), meta, id);
    }
    await out.flushTo(out.mark());
    await out.close();
    expect(batches.flat()).toHaveLength(20);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      const bytes = b.reduce((n, m) => n + Buffer.byteLength(m.value) + Buffer.byteLength(m.key ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(1024);
    }
  });
});
