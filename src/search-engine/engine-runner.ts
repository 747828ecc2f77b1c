// Starts a real search node of the engine matrix (matrix.ts) from Maven Central (no Docker here):
// the codelibs embedded runners in one JVM (ES 7.10, OpenSearch 2.x/3.x) or Elastic's integ-test-zip
// distribution (ES 8/9, see elastic-distribution.ts), on loopback with a free port and a temp home
// that is deleted on stop. Fails loudly (code O365_ERR_ENGINE) with the node's log tail.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pause } from '../shared/sleep.js';
import { startDistributionNode } from './elastic-distribution.js';
import { engineError, notUpError, runningEngine, spawnEngineChild, type RunningEngine } from './engine-child.js';
import { writeGeoipTestDatabases } from './geoip-test-db.js';
import { DEFAULT_ENGINE, engineSpec, javaHome, type EngineId, type EngineKind, type EngineSpec } from './matrix.js';

export type { EngineId, EngineKind } from './matrix.js';
export { engineError, type RunningEngine } from './engine-child.js';

export interface StartEngineOptions {
  /** Which engine of the matrix; default the kind's default (es7 / os2). */
  engine?: EngineId;
  kind?: EngineKind;
  /** Path of the java binary; default the matrix's Java for the engine (matrix.ts javaHome()). */
  java?: string;
  /** Path of the mvn binary; default `mvn` on PATH. */
  mvn?: string;
  /** How long to wait for yellow/green health; default 300 s (two busy cores: a start took 100-180 s). */
  timeoutMs?: number;
  /** Elasticsearch only: load the ingest-geoip module with generated test databases (default true). */
  geoip?: boolean;
  /** Where classpaths are cached; default <repo>/.cache/search-engine. */
  cacheDir?: string;
  log?: (line: string) => void;
}

/**
 * The o365-audit package root: the nearest package.json named o365-audit above the running file,
 * else above process.cwd(). Not import.meta.url alone: tsup bundles this file into dist/cli.js.
 */
let packageRoot: string | undefined;

export function enginePackageRoot(): string {
  packageRoot ??= findPackageRoot();
  return packageRoot;
}

function findPackageRoot(): string {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      try {
        if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'o365-audit') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
      if (dirname(dir) === dir) break;
    }
  }
  throw engineError('cannot find the o365-audit package root (package.json named o365-audit) above this file or the working folder', { from: starts.join(', ') });
}

/** Folder of the runner poms and launchers (shipped in the package: package.json "files"). */
export const engineAssetsDir = (): string => join(enginePackageRoot(), 'src', 'search-engine');

function engineFiles(spec: EngineSpec): { pom: string; launcher: string; configFile: string } {
  const here = engineAssetsDir();
  const files = { pom: join(here, spec.pomDir ?? '', 'pom.xml'), launcher: join(here, spec.launcher ?? ''), configFile: `${spec.kind}.yml` };
  for (const f of [files.pom, files.launcher]) if (!existsSync(f)) throw engineError(`starting ${spec.kind} ${spec.version}: ${f} is missing (the package ships src/search-engine)`, { path: f });
  return files;
}

const geoipModulePom = (): string => join(engineAssetsDir(), 'elasticsearch-7.10', 'ingest-geoip', 'pom.xml');

// The runner copies its own config only when none exists, so ours wins. single-node stops the
// node from probing (and handshaking with) other local clusters' transport ports; the disk
// threshold is off because a nearly full /tmp would otherwise block index creation in tests.
// (The runners force roles [master|cluster_manager, data] over any config file; the *TestNode.java
// launchers add `ingest` through the runner's builder callback.)
// OpenSearch 3's runner sets discovery.type itself and fails on a second one.
const nodeConfig = (spec: EngineSpec): string => [
  ...(spec.id === 'os3' ? [] : ['discovery.type: single-node']),
  'network.host: 127.0.0.1',
  'cluster.routing.allocation.disk.threshold_enabled: false',
  'action.destructive_requires_name: false',
  '',
].join('\n');

export function run(cmd: string, args: string[], what: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(engineError(`${what}: cannot run ${cmd}`, { cmd }, err));
      return;
    }
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(engineError(err.code === 'ENOENT' ? `${what}: ${cmd} not found; install it or put it on PATH` : `${what}: ${cmd} failed to start: ${err.message}`, { cmd }, err)));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, output }));
  });
}

/** Resolves (once, cached by the pom's hash) the jars a pom depends on, with `mvn dependency:build-classpath`. */
export async function resolveClasspath(pom: string, options: { mvn?: string; cacheDir?: string } = {}): Promise<string[]> {
  const cacheDir = options.cacheDir ?? join(enginePackageRoot(), '.cache', 'search-engine');
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 16);
  const cacheFile = join(cacheDir, `classpath-${basename(dirname(pom))}-${hash}.txt`);
  if (existsSync(cacheFile)) {
    const jars = readFileSync(cacheFile, 'utf8').trim().split(':').filter(Boolean);
    if (jars.length > 0 && jars.every((j) => existsSync(j))) return jars;
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  const mvn = options.mvn ?? 'mvn';
  const { code, output } = await run(mvn, ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${tmp}`], 'resolving the search engine classpath');
  if (code !== 0 || !existsSync(tmp)) {
    throw engineError(`mvn could not resolve ${pom} (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`, { pom });
  }
  const jars = readFileSync(tmp, 'utf8').trim().split(':').filter(Boolean);
  writeFileSync(cacheFile, jars.join(':'));
  rmSync(tmp, { force: true });
  return jars;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

// The runners refuse HTTP ports above 9299 (their maxHttpPort), so pick a free one in 9200-9299,
// from a random start (other test runs may be starting nodes) and never twice in this process.
const reservedPorts = new Set<number>();
export async function freeHttpPort(): Promise<number> {
  const start = Math.floor(Math.random() * 99);
  for (let i = 0; i < 99; i++) {
    const port = 9201 + ((start + i) % 99);
    if (reservedPorts.has(port)) continue;
    if (await canListen(port)) {
      reservedPorts.add(port);
      return port;
    }
  }
  throw engineError('no free HTTP port in 9201-9299 for the test node (the embedded runners cannot use others)');
}

async function installGeoipModule(home: string, options: StartEngineOptions): Promise<void> {
  // ES 7.10 loads modules from <home>/modules/<name> (jars + plugin-descriptor.properties) and
  // requires exactly GeoLite2-{ASN,City,Country}.mmdb next to them, or the node refuses to start.
  const jars = await resolveClasspath(geoipModulePom(), options);
  const dir = join(home, 'modules', 'ingest-geoip');
  mkdirSync(dir, { recursive: true });
  for (const jar of jars) copyFileSync(jar, join(dir, basename(jar)));
  writeFileSync(join(dir, 'plugin-descriptor.properties'), [
    'description=Ingest processor that looks up geo data by IP address',
    'version=7.10.2',
    'name=ingest-geoip',
    'classname=org.elasticsearch.ingest.geoip.IngestGeoIpPlugin',
    'java.version=1.8',
    'elasticsearch.version=7.10.2',
    'extended.plugins=',
    'has.native.controller=false',
    '',
  ].join('\n'));
  writeGeoipTestDatabases(dir);
}

export async function waitForHealth(url: () => string, deadline: number, exited: () => string | undefined): Promise<void> {
  for (;;) {
    const why = exited();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > deadline) throw new Error('timed out waiting for yellow/green cluster health');
    try {
      const res = await fetch(`${url()}/_cluster/health?wait_for_status=yellow&timeout=2s`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) {
        const body = (await res.json()) as { status?: string };
        if (body.status === 'green' || body.status === 'yellow') return;
      } else await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await pause(500);
  }
}

/** Starts one node and resolves when it is healthy. */
/**
 * Heap and JIT of the node. Default: C1-only JIT, because start-up on two shared cores is dominated
 * by C2 compilation and tests need no peak speed. Benchmarks set O365_AUDIT_ENGINE_JAVA_OPTS (for
 * example "-Xms1g -Xmx1g -XX:+UseParallelGC") to measure the node at full speed.
 */
export function engineJvmOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const custom = env['O365_AUDIT_ENGINE_JAVA_OPTS']?.trim();
  if (custom) return custom.split(/\s+/);
  return ['-Xms256m', '-Xmx768m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
}

/** The java binary for an engine: the option, else <matrix javaHome>/bin/java, else `java` on PATH. */
export function javaFor(spec: EngineSpec, explicit?: string): string {
  if (explicit !== undefined) return explicit;
  const home = javaHome(spec.java);
  return home === undefined ? 'java' : join(home, 'bin', 'java');
}

export async function startEngine(options: StartEngineOptions): Promise<RunningEngine> {
  const spec = engineSpec(options.engine ?? DEFAULT_ENGINE[options.kind ?? 'elasticsearch']);
  const java = javaFor(spec, options.java);
  const javaCheck = await run(java, ['-version'], `starting ${spec.kind} ${spec.version}`);
  if (javaCheck.code !== 0) throw engineError(`starting ${spec.kind} ${spec.version}: ${java} -version failed:\n${javaCheck.output}`, { java });
  if (spec.source === 'integ-test-zip') return startDistributionNode(spec, { ...options, java });
  const engine = engineFiles(spec);
  const log = options.log ?? (() => undefined);
  const classpath = await resolveClasspath(engine.pom, options);
  const home = mkdtempSync(join(tmpdir(), `o365-audit-${spec.id}-`));
  const cleanup = (): void => rmSync(home, { recursive: true, force: true });
  const withGeoip = spec.id === 'es7' && options.geoip !== false;
  try {
    mkdirSync(join(home, 'node_1', 'config'), { recursive: true });
    writeFileSync(join(home, 'node_1', 'config', engine.configFile), nodeConfig(spec));
    if (withGeoip) await installGeoipModule(join(home, 'node_1'), options);
  } catch (err) {
    cleanup();
    throw err;
  }
  const port = await freeHttpPort();
  let httpPort = port;
  const child = spawnEngineChild({
    cmd: java,
    name: 'java',
    args: [
      ...engineJvmOptions(), '-Djava.awt.headless=true', '-Dfile.encoding=UTF-8',
      '-cp', classpath.join(':'), engine.launcher,
      '-basePath', home, '-numOfNode', '1', '-baseHttpPort', String(port - 1), '-clusterName', `o365-audit-test-${process.pid}`,
    ],
    logFile: join(home, 'runner.log'),
    onLine: (line) => {
      const m = /HTTP Port:\s+(\d+)/.exec(line);
      if (m?.[1] !== undefined) httpPort = Number(m[1]);
    },
  });

  const started = Date.now();
  try {
    await waitForHealth(() => `http://127.0.0.1:${httpPort}`, started + (options.timeoutMs ?? 300_000), child.exitReason);
  } catch (err) {
    // The node writes most of its errors to <home>/node_1/logs/<cluster>.log, not to stdout.
    throw await notUpError(child, spec, port, join(home, 'node_1', 'logs'), cleanup, err);
  }
  const url = `http://127.0.0.1:${httpPort}`;
  const info = (await (await fetch(url)).json()) as { version?: { number?: string; distribution?: string } };
  log(`${spec.kind} ${info.version?.number} up at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (home ${home})`);
  return runningEngine({
    url,
    id: spec.id,
    kind: info.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch',
    version: info.version?.number ?? 'unknown',
    geoip: withGeoip,
    home,
  }, child, cleanup);
}
