// A real Apache Kafka broker for the kafka tests: one KRaft node (broker + controller) on the JVM,
// jars resolved from Maven Central by `mvn` (pom.xml beside this file; the first run fills ~/.m2).
// Four listeners on ports the OS picks: PLAINTEXT, SASL_PLAINTEXT (PLAIN and SCRAM-SHA-256/512
// users created at format time), SSL (certificate from a throwaway CA) and the controller's.
// stop() and start() keep the data folder and ports, so a test can take the broker away and back.

import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveClasspath, run } from '../../src/search-engine/engine-runner.js';
import { serverCredentials } from '../../src/simulator/tls.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

export const SASL_USERS = {
  plain: { username: 'plain-user', password: 'plain-secret-1' },
  scram256: { username: 'scram256-user', password: 'scram-secret-256' },
  scram512: { username: 'scram512-user', password: 'scram-secret-512' },
} as const;

export interface BrokerAddresses {
  plaintext: string;
  sasl: string;
  ssl: string;
  /** PEM of the CA that signed the SSL listener's certificate. */
  caPem: string;
}

/** The broker's classpath, resolved once per pom content (cached in .cache/kafka). */
export async function kafkaClasspath(): Promise<string> {
  return (await resolveClasspath(join(HERE, 'pom.xml'), { cacheDir: join(ROOT, '.cache', 'kafka') })).join(':');
}

/** Compiles TopicDump.java (the independent reader) once; returns the folder of its class. */
export async function compileReader(): Promise<string> {
  const cp = await kafkaClasspath();
  const out = join(ROOT, '.cache', 'kafka', 'reader');
  mkdirSync(out, { recursive: true });
  const { code, output } = await run('javac', ['-d', out, '-cp', cp, join(HERE, 'TopicDump.java')], 'compiling TopicDump.java');
  if (code !== 0) throw new Error(`compiling TopicDump.java failed:\n${output.slice(-3000)}`);
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export class KafkaBroker {
  private child: ChildProcess | undefined;
  private exited: string | undefined;
  private log = '';

  private constructor(
    private readonly dir: string,
    private readonly classpath: string,
    private readonly ports: { plaintext: number; sasl: number; ssl: number; controller: number },
    readonly caPem: string,
  ) {}

  get addresses(): BrokerAddresses {
    return { plaintext: `127.0.0.1:${this.ports.plaintext}`, sasl: `127.0.0.1:${this.ports.sasl}`, ssl: `127.0.0.1:${this.ports.ssl}`, caPem: this.caPem };
  }

  /** Formats a fresh data folder and starts the broker; resolves once every listener accepts. */
  static async create(log: (line: string) => void = () => {}): Promise<KafkaBroker> {
    const t0 = Date.now();
    const classpath = await kafkaClasspath();
    log(`classpath resolved in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const dir = await mkdtemp(join(tmpdir(), 'o365-kafka-'));
    const ports = { plaintext: await freePort(), sasl: await freePort(), ssl: await freePort(), controller: await freePort() };
    const tls = await serverCredentials();
    // Kafka's PEM key store wants the leaf and its PKCS#8 key in one file.
    const key = createPrivateKey(tls.keyPem).export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(join(dir, 'server.pem'), `${key}${tls.certPem}`);
    const b = new KafkaBroker(dir, classpath, ports, tls.caPem);
    b.writeConfig();
    const clusterId = randomBytes(16).toString('base64url');
    const scram = [`SCRAM-SHA-256=[name=${SASL_USERS.scram256.username},password=${SASL_USERS.scram256.password}]`, `SCRAM-SHA-512=[name=${SASL_USERS.scram512.username},password=${SASL_USERS.scram512.password}]`];
    const fmt = await run('java', ['-cp', classpath, ...b.jvmOptions(), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dir, 'server.properties'), ...scram.flatMap((s) => ['--add-scram', s])], 'formatting the Kafka storage');
    if (fmt.code !== 0) throw new Error(`formatting the Kafka storage failed (exit ${fmt.code}):\n${fmt.output.slice(-3000)}`);
    await b.start();
    log(`Kafka 3.9.2 (KRaft) up at ${b.addresses.plaintext} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return b;
  }

  private jvmOptions(): string[] {
    return ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, `-Dkafka.logs.dir=${this.dir}`];
  }

  private writeConfig(): void {
    const p = this.ports;
    const jaas = (module: string, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;
    const props = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${p.controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${p.plaintext},SASL_PLAINTEXT://127.0.0.1:${p.sasl},SSL://127.0.0.1:${p.ssl},CONTROLLER://127.0.0.1:${p.controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${p.plaintext},SASL_PLAINTEXT://127.0.0.1:${p.sasl},SSL://127.0.0.1:${p.ssl}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(this.dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${SASL_USERS.plain.username}="${SASL_USERS.plain.password}"`)}`,
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(this.dir, 'server.pem')}`,
    ];
    writeFileSync(join(this.dir, 'server.properties'), `${props.join('\n')}\n`);
    writeFileSync(join(this.dir, 'log4j.properties'), ['log4j.rootLogger=WARN, file', 'log4j.appender.file=org.apache.log4j.FileAppender', `log4j.appender.file.File=${join(this.dir, 'server.log')}`, 'log4j.appender.file.layout=org.apache.log4j.PatternLayout', 'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n', ''].join('\n'));
  }

  /** Starts (or restarts, same data and ports) the broker. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (this.child !== undefined) return;
    this.exited = undefined;
    const child = spawn('java', ['-cp', this.classpath, ...this.jvmOptions(), 'kafka.Kafka', join(this.dir, 'server.properties')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      this.exited = `exit ${code ?? signal}`;
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited !== undefined) throw new Error(`the Kafka broker stopped while starting (${this.exited}):\n${this.tail()}`);
      const up = await Promise.all(Object.values(this.ports).map(canConnect));
      if (up.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`the Kafka broker did not open its listeners within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops the broker (SIGTERM, then SIGKILL); data and ports stay for start(). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
    this.child = undefined;
  }

  tail(): string {
    const file = join(this.dir, 'server.log');
    const fromFile = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : '';
    return `${this.log.slice(-4000)}\n${fromFile}`;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
