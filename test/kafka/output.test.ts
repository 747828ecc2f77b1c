// The kafka output against a real Apache Kafka broker (KRaft, started once per run by
// test/kafka/global-setup.ts): records arrive exactly as the API sent them, keyed by Id, on the
// topic of their tenant and content type (read back with Kafka's own Java consumer); SASL PLAIN,
// SCRAM-SHA-256/512 and TLS with a CA; an unknown topic and refused credentials are clear errors
// naming the output; a broker that goes away and comes back loses nothing.

import { afterEach, describe, expect, inject, it } from 'vitest';
import { brokerControl, createTopics, dumpTopics, listener, topicName } from './helpers.js';
import { formatWazuh } from '../../src/shared/record-format.js';
import { contentTypeOf, idOf, sampleRecords } from '../../src/outputs/testing/records.js';
import type { RecordMeta } from '../../src/outputs/types.js';
import { KafkaOutput, type KafkaOutputConfig } from '../../src/outputs/kafka/kafka-output.js';

const SASL = { plain: { username: 'plain-user', password: 'plain-secret-1' }, scram256: { username: 'scram256-user', password: 'scram-secret-256' }, scram512: { username: 'scram512-user', password: 'scram-secret-512' } };
const meta = (contentType: string, tenant = 'acme'): RecordMeta => ({ tenantId: '00000000-0000-0000-0000-00000000000a', tenant, contentType, contentId: 'c1' });

let out: KafkaOutput | undefined;
afterEach(async () => {
  await out?.close().catch(() => {});
  out = undefined;
});

async function make(extra: Partial<KafkaOutputConfig>): Promise<KafkaOutput> {
  out = new KafkaOutput({ type: 'kafka', brokers: [inject('kafkaBrokers')], topic: 'unset', flushIntervalMs: 0, retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 }, ...extra });
  await out.open(undefined);
  return out;
}

async function produce(o: KafkaOutput, records: string[], m: (r: string) => RecordMeta): Promise<void> {
  for (const r of records) await o.write(r, m(r), idOf(r));
  await o.flushTo(o.mark());
}

describe('kafka output (real broker)', () => {
  it('produces every record keyed by its Id, byte for byte as the API sent it, to its tenant/content-type topic', async () => {
    const records = sampleRecords(80);
    const types = [...new Set(records.map(contentTypeOf))];
    const prefix = topicName('o365');
    await createTopics(types.map((t) => `${prefix}.acme.${t}`));
    const o = await make({ topic: `${prefix}.{tenant}.{content_type}`, compression: 'gzip', batchMaxDocs: 7 });
    await produce(o, records, (r) => meta(contentTypeOf(r)));
    expect(o.stats().confirmed).toBe(records.length);
    for (const t of types) {
      const got = await dumpTopics([`${prefix}.acme.${t}`]);
      const want = records.filter((r) => contentTypeOf(r) === t);
      expect(new Map(got.map((g) => [g.key, g.value]))).toEqual(new Map(want.map((r) => [idOf(r), r])));
      expect(got).toHaveLength(want.length);
    }
  });

  it('writes the wazuh shape with format: wazuh, still keyed by Id', async () => {
    const topic = topicName('wazuh');
    await createTopics([topic], 1);
    const records = sampleRecords(5, false);
    const o = await make({ topic, format: 'wazuh', compression: 'lz4' });
    await produce(o, records, (r) => meta(contentTypeOf(r)));
    const got = await dumpTopics([topic]);
    expect(got).toEqual(records.map((r) => ({ key: idOf(r), value: formatWazuh(r, { contentType: contentTypeOf(r) }) })));
  });

  it('fails with a clear error naming the output when the topic does not exist, and confirms nothing', async () => {
    const o = await make({ name: 'to-kafka', topic: topicName('missing') });
    await o.write('{"Id":"x"}', meta('Audit.General'), 'x');
    await expect(o.flushTo(o.mark())).rejects.toMatchObject({ code: 'O365_ERR_OUTPUT', message: expect.stringMatching(/Output "to-kafka": topic "missing-[^"]+" does not exist: create it/) });
    expect(o.stats().confirmed).toBe(0);
  });

  for (const [mechanism, user] of [['PLAIN', SASL.plain], ['SCRAM-SHA-256', SASL.scram256], ['SCRAM-SHA-512', SASL.scram512]] as const) {
    it(`delivers over SASL ${mechanism}`, async () => {
      const topic = topicName(`sasl-${mechanism.toLowerCase()}`);
      await createTopics([topic], 1);
      const o = await make({ brokers: [listener('sasl')], topic, sasl: { mechanism, ...user } });
      await produce(o, ['{"Id":"s1","V":1}', '{"Id":"s2","V":2}'], () => meta('Audit.General'));
      expect(await dumpTopics([topic])).toEqual([
        { key: 's1', value: '{"Id":"s1","V":1}' },
        { key: 's2', value: '{"Id":"s2","V":2}' },
      ]);
    });
  }

  it('refused SASL credentials are a clear error naming the output (not retried)', async () => {
    const topic = topicName('sasl-bad');
    await createTopics([topic], 1);
    const o = await make({ name: 'secure', brokers: [listener('sasl')], topic, sasl: { mechanism: 'SCRAM-SHA-256', username: SASL.scram256.username, password: 'wrong-password' }, retry: { maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 2000 } });
    const t0 = Date.now();
    await o.write('{"Id":"x"}', meta('Audit.General'), 'x');
    const err = await o.flushTo(o.mark()).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: 'O365_ERR_OUTPUT', retryable: false, message: expect.stringContaining('Output "secure": the brokers refused the SASL credentials') });
    expect(err?.message).not.toContain('wrong-password');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('delivers over TLS trusting the given CA', async () => {
    const topic = topicName('tls');
    await createTopics([topic], 1);
    const o = await make({ brokers: [listener('ssl')], topic, ca: inject('kafkaCaPem'), tls: true });
    await produce(o, ['{"Id":"t1"}'], () => meta('Audit.General'));
    expect(await dumpTopics([topic])).toEqual([{ key: 't1', value: '{"Id":"t1"}' }]);
  });

  it('a broker that goes away and comes back: retried with back-off, nothing confirmed meanwhile, nothing lost', async () => {
    const topic = topicName('outage');
    await createTopics([topic], 3);
    const o = await make({ topic, batchMaxDocs: 10, retry: { maxAttempts: 60, baseDelayMs: 200, maxDelayMs: 1000 } });
    const first = Array.from({ length: 30 }, (_, i) => `{"Id":"a${i}"}`);
    await produce(o, first, () => meta('Audit.General'));
    await brokerControl('stop');
    let restarted = false;
    try {
      const second = Array.from({ length: 30 }, (_, i) => `{"Id":"b${i}"}`);
      for (const r of second) await o.write(r, meta('Audit.General'), idOf(r));
      const flushed = o.flushTo(o.mark());
      let settled = false;
      void flushed.then(() => (settled = true), () => (settled = true));
      await new Promise((r) => setTimeout(r, 3000));
      expect(settled).toBe(false);
      expect(o.stats().confirmed).toBe(30);
      await brokerControl('start');
      restarted = true;
      await flushed;
      expect(o.stats().retries).toBeGreaterThan(0);
      const got = await dumpTopics([topic]);
      expect(new Set(got.map((g) => g.key))).toEqual(new Set([...first, ...second].map((r) => idOf(r))));
    } finally {
      if (!restarted) await brokerControl('start');
    }
  });
});
