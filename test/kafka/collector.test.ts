// The collector with a kafka output, end to end through the CLI and the Management API simulator:
// killed with SIGKILL mid-run and restarted, every record is in Kafka, and counted by distinct key
// each one is there exactly once (a record produced again after a crash has the same key).

import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { allGroundTruth, runCli, simTenants, sleep, spawnCli, tempDir, writeConfig } from '../e2e/helpers.js';
import { createTopics, dumpTopics, topicName } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('collector → kafka (end to end)', () => {
  it('kill -9 mid-run, restart: every record present, and exactly once counted by distinct key', async () => {
    sim = await startSimulator({ tenants: 1, blobsPerContentType: 12, recordsPerBlob: [20, 50], recordSizeTarget: 600, seed: 41, faults: { slow: { rate: 1, delayMs: 400 } } });
    const prefix = topicName('e2e');
    const types = sim.tenants[0]!.contentTypes;
    const topics = types.map((t) => `${prefix}.${t}`);
    await createTopics(topics, 3);
    const dir = tempDir('o365-kafka-e2e-');
    const config = writeConfig(dir, sim, simTenants(sim), 'commit_interval: 1s\n');
    const text = readFileSync(config, 'utf8').replace(
      'output: { type: file, path: out.ndjson }',
      `output: { type: kafka, brokers: ["${inject('kafkaBrokers')}"], topic: "${prefix}.{content_type}", batch_max_docs: 50, flush_interval: 1s }`,
    );
    writeFileSync(config, text);
    const before = sim.now();

    // Kill it a quarter of the way through its blobs (60 in all, each served slowly), after a flush.
    const { child, done } = spawnCli(['collect', '--config', config, '--once']);
    let exited = false;
    void done.then(() => (exited = true));
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline && (sim.stats().requestsByRoute['audit'] ?? 0) < 15) await sleep(100);
    await sleep(1500);
    expect(exited, 'the first run must still be running when killed (slow the simulator down if not)').toBe(false);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal ?? killed.code).toBe('SIGKILL');
    const afterKill = new Set((await dumpTopics(topics)).map((g) => g.key)).size;
    expect(afterKill).toBeGreaterThan(0);

    const final = await runCli(['collect', '--config', config, '--once']);
    expect(final.code, final.stderr).toBe(0);

    const got = await dumpTopics(topics);
    const keys = got.map((g) => g.key);
    const distinct = new Set(keys);
    const truth = allGroundTruth(sim, before);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect([...truth].filter((id) => !distinct.has(id))).toEqual([]);
    expect([...distinct].filter((id) => !truth.has(id!) && !allGroundTruth(sim!).has(id!))).toEqual([]);
    expect(afterKill).toBeLessThan(truth.size);
    expect(distinct.size).toBeGreaterThanOrEqual(truth.size);
    // Each key's value is the record itself (the same bytes every time it was produced).
    for (const g of got) expect((JSON.parse(g.value) as { Id: string }).Id).toBe(g.key);
  }, 300_000);
});
