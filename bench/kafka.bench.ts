// `npm run bench:kafka [-- --records N]`: the collector end to end into Kafka beside the same run
// into a file, in one invocation: one simulator (same records for both), one real Kafka broker
// (test/kafka/broker.ts, KRaft on the JVM), the CLI as a child process per output, wall time from
// spawn to exit. Prints records/s for each and writes bench/results/kafka.json. Numbers only.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaBroker } from '../test/kafka/broker.js';
import { startSimRun } from './lib/sim.js';
import { load, machineInfo } from './lib/machine.js';
import { benchDir, repoRoot } from './lib/bundle.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, 'no-write': { type: 'boolean', default: false } } });
const total = Number(values.records);
const perBlob = 1000;
const types = 5;
const blobs = Math.max(1, Math.round(total / perBlob / types));

function runCollector(configFile: string): Promise<{ seconds: number; code: number | null; stderr: string }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'collect', '--config', configFile, '--once', '--no-progress'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'o365-bench-kafka-'));
const before = load();
const broker = await KafkaBroker.create((l) => process.stderr.write(`[bench:kafka] ${l}\n`));
try {
  const simRun = await startSimRun(join(dir, 'file'), { tenants: 1, blobsPerContentType: blobs, recordsPerBlob: perBlob, recordSizeTarget: 1024, spanMs: 6 * 3600_000, seed: 7 }, { initialInterval: '7h' });
  const expected = blobs * perBlob * types;
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.addresses.plaintext] });
  const topics = simRun.sim.tenants[0]!.contentTypes.map((t) => `bench.${t}`);
  await admin.createTopics({ topics, partitions: 3, replicas: 1 });
  await admin.close();

  // Same simulator, same records: a second config that differs only in its output and state.
  const fileConfig = JSON.parse(readFileSync(simRun.configFile, 'utf8')) as Record<string, unknown>;
  const kafkaConfigFile = join(dir, 'kafka.json');
  writeFileSync(kafkaConfigFile, JSON.stringify({ ...fileConfig, state_dir: join(dir, 'kafka-state'), output: { type: 'kafka', brokers: [broker.addresses.plaintext], topic: 'bench.{content_type}' } }), { mode: 0o600 });

  const results: Record<string, { seconds: number; recordsPerSecond: number }> = {};
  for (const [name, config] of [['file', simRun.configFile], ['kafka', kafkaConfigFile]] as const) {
    const r = await runCollector(config);
    if (r.code !== 0) throw new Error(`collector → ${name} exited ${r.code}:\n${r.stderr}`);
    results[name] = { seconds: Math.round(r.seconds * 100) / 100, recordsPerSecond: Math.round(expected / r.seconds) };
    process.stdout.write(`collector → ${name.padEnd(5)} ${expected.toLocaleString('en')} records in ${r.seconds.toFixed(2)} s = ${Math.round(expected / r.seconds).toLocaleString('en')} records/s\n`);
  }
  await simRun.sim.close();
  const out = { machine: machineInfo(), command: `npm run bench:kafka -- --records ${total}`, records: expected, recordBytes: 1024, blobsOf: perBlob, results, load: { before, after: load() }, at: new Date().toISOString() };
  if (!values['no-write']) writeFileSync(join(benchDir, 'results', 'kafka.json'), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await broker.destroy();
  rmSync(dir, { recursive: true, force: true });
}
