// vitest globalSetup of the `kafka` project: starts ONE real Kafka broker for the whole run
// (broker.ts), unless KAFKA_BROKERS names an existing one (then only the tests that need no
// broker control, SASL or TLS listener of ours can pass). Tests get the addresses by inject(), and
// take the broker away and back through a small loopback control server (`POST /stop`, `/start`).
// A broker that cannot start fails the run: nothing is skipped.

import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { KafkaBroker, compileReader } from './broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    kafkaSaslBrokers: string;
    kafkaSslBrokers: string;
    kafkaCaPem: string;
    /** Base URL of the control server, or '' when the broker is not ours (KAFKA_BROKERS). */
    kafkaControl: string;
    /** Folder of the compiled TopicDump reader (compiled once here, not per read). */
    kafkaReaderDir: string;
  }
}

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('kafkaReaderDir', await compileReader());
  const external = process.env['KAFKA_BROKERS'];
  if (external !== undefined && external !== '') {
    for (const [k, v] of [['kafkaBrokers', external], ['kafkaSaslBrokers', ''], ['kafkaSslBrokers', ''], ['kafkaCaPem', ''], ['kafkaControl', '']] as const) project.provide(k, v);
    return async () => {};
  }
  const broker = await KafkaBroker.create((line) => process.stderr.write(`[kafka-global-setup] ${line}\n`));
  const control: Server = createServer((req, res) => {
    const act = req.url === '/stop' ? broker.stop() : req.url === '/start' ? broker.start() : Promise.reject(new Error(`unknown ${req.url}`));
    act.then(
      () => res.writeHead(204).end(),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
  const a = broker.addresses;
  project.provide('kafkaBrokers', a.plaintext);
  project.provide('kafkaSaslBrokers', a.sasl);
  project.provide('kafkaSslBrokers', a.ssl);
  project.provide('kafkaCaPem', a.caPem);
  project.provide('kafkaControl', `http://127.0.0.1:${(control.address() as { port: number }).port}`);
  return async () => {
    await new Promise<void>((r) => control.close(() => r()));
    await broker.destroy();
  };
}
