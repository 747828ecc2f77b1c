// Helpers of the kafka tests: topics (created with the Admin client: the broker does not create
// them), reading topics back with Kafka's own Java consumer (TopicDump.java), and taking the
// shared broker away and back through the global setup's control server.

import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { kafkaClasspath } from './broker.js';

let seq = 0;

/** A fresh topic name (tests share one broker). */
export function topicName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

export async function createTopics(topics: string[], partitions = 3): Promise<void> {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'o365-audit-tests', bootstrapBrokers: [inject('kafkaBrokers')] });
  try {
    await admin.createTopics({ topics, partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

export interface DumpedRecord {
  key: string | undefined;
  value: string;
}

/** Every record of the topics, read by Kafka's own Java consumer. */
export async function dumpTopics(topics: string[]): Promise<DumpedRecord[]> {
  const cp = await kafkaClasspath();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', `${inject('kafkaReaderDir')}:${cp}`, '-Dlog4j.configuration=file:/dev/null', 'TopicDump', inject('kafkaBrokers'), topics.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`TopicDump exited ${code}: ${stderr.slice(-2000)}`))));
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [k, v] = l.split(' ');
      return { key: k === '-' ? undefined : Buffer.from(k!, 'base64').toString('utf8'), value: Buffer.from(v ?? '', 'base64').toString('utf8') };
    });
}

/** Stops or starts the shared broker (same data and ports). */
export async function brokerControl(action: 'stop' | 'start'): Promise<void> {
  const base = inject('kafkaControl');
  if (base === '') throw new Error('this test takes the broker away and back: it needs the broker the test setup starts (unset KAFKA_BROKERS)');
  const res = await fetch(`${base}/${action}`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`broker ${action} failed: ${await res.text()}`);
}

/** The SASL or SSL listener of the broker the setup started (not available with KAFKA_BROKERS). */
export function listener(kind: 'sasl' | 'ssl'): string {
  const v = inject(kind === 'sasl' ? 'kafkaSaslBrokers' : 'kafkaSslBrokers');
  if (v === '') throw new Error(`this test needs the ${kind} listener of the broker the test setup starts (unset KAFKA_BROKERS)`);
  return v;
}
