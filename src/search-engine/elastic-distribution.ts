// Elasticsearch 8/9 test nodes from Elastic's integ-test-zip distribution on Maven Central (no
// ingest processors, painless or lifecycle; templates, flattened, data streams, rollover and
// _field_caps work). Elasticsearch refuses to run as root, so under root (CI) the node runs as an
// unprivileged user created for it, with its folder owned by that user.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { engineError, engineJvmOptions, enginePackageRoot, freeHttpPort, run, type RunningEngine, type StartEngineOptions } from './engine-runner.js';
import type { EngineSpec } from './matrix.js';
import { pause } from '../shared/sleep.js';

/** The unprivileged user Elasticsearch runs as when this process is root. */
export const ENGINE_USER = 'o365-audit-es';

function osFreePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Fetches (once) the distribution zip into the cache with `mvn dependency:copy`. */
export async function distributionZip(spec: EngineSpec, options: { mvn?: string; cacheDir?: string } = {}): Promise<string> {
  const dir = join(options.cacheDir ?? join(enginePackageRoot(), '.cache', 'search-engine'), 'dist');
  const zip = join(dir, `elasticsearch-${spec.version}.zip`);
  if (existsSync(zip)) return zip;
  mkdirSync(dir, { recursive: true });
  const artifact = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${spec.version}:zip`;
  const { code, output } = await run(options.mvn ?? 'mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`], `fetching Elasticsearch ${spec.version}`);
  if (code !== 0 || !existsSync(zip)) throw engineError(`mvn could not fetch ${artifact} (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`, { artifact });
  return zip;
}

/** JAVA_HOME of a java binary (ES wants a home, not a binary). */
function javaHomeOf(java: string): string {
  const which = java.includes('/') ? java : (spawnSync('sh', ['-c', `command -v ${java}`], { encoding: 'utf8' }).stdout.trim() || java);
  return dirname(dirname(realpathSync(which)));
}

function ensureEngineUser(): void {
  if (spawnSync('id', ['-u', ENGINE_USER]).status === 0) return;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ENGINE_USER], { encoding: 'utf8' });
  // Another process may have created it between the check and here.
  if (made.status !== 0 && spawnSync('id', ['-u', ENGINE_USER]).status !== 0) {
    throw engineError(`Elasticsearch refuses to run as root and useradd ${ENGINE_USER} failed: ${made.stderr.trim()}`, { user: ENGINE_USER });
  }
}

// G1 comes from the distribution's jvm.options: a second collector option would stop the JVM.
const distributionJvmOptions = (): string[] => engineJvmOptions().filter((o) => !/^-XX:\+Use\w+GC$/.test(o));

export async function startDistributionNode(spec: EngineSpec, options: StartEngineOptions & { java: string }): Promise<RunningEngine> {
  const log = options.log ?? (() => undefined);
  const zip = await distributionZip(spec, options);
  const home = mkdtempSync(join(tmpdir(), `o365-audit-${spec.id}-`));
  const cleanup = (): void => rmSync(home, { recursive: true, force: true });
  const asRoot = process.getuid?.() === 0;
  const esHome = join(home, `elasticsearch-${spec.version}`);
  const [httpPort, transportPort] = [await freeHttpPort(), await osFreePort()];
  try {
    const unzip = await run('unzip', ['-q', zip, '-d', home], `unpacking Elasticsearch ${spec.version}`);
    if (unzip.code !== 0) throw engineError(`unzip ${zip} failed (exit ${unzip.code}): ${unzip.output}`, { zip });
    writeFileSync(join(esHome, 'config', 'elasticsearch.yml'), [
      `cluster.name: o365-audit-test-${process.pid}-${spec.id}`,
      'node.name: node-1',
      'discovery.type: single-node',
      'network.host: 127.0.0.1',
      `http.port: ${httpPort}`,
      `transport.port: ${transportPort}`,
      'xpack.security.enabled: false',
      'cluster.routing.allocation.disk.threshold_enabled: false',
      'action.destructive_requires_name: false',
      '',
    ].join('\n'));
    mkdirSync(join(home, 'tmp'));
    if (asRoot) {
      ensureEngineUser();
      const chown = await run('chown', ['-R', `${ENGINE_USER}:`, home], 'giving the node folder to its user');
      if (chown.code !== 0) throw engineError(`chown ${home} failed: ${chown.output}`, { home });
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  const env = [
    `ES_JAVA_HOME=${javaHomeOf(options.java)}`,
    `ES_JAVA_OPTS=${distributionJvmOptions().join(' ')}`,
    `ES_TMPDIR=${join(home, 'tmp')}`,
  ];
  const command = join(esHome, 'bin', 'elasticsearch');
  const [cmd, args] = asRoot
    ? ['runuser', ['-u', ENGINE_USER, '--', 'env', ...env, command]]
    : ['env', [...env, command]];
  const logStream = createWriteStream(join(home, 'runner.log'));
  const tail: string[] = [];
  // Own process group: stop() signals the whole group (runuser, the launcher and the JVM).
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const onData = (d: Buffer): void => {
    logStream.write(d);
    for (const line of d.toString().split('\n')) if (line.trim() !== '') { tail.push(line); if (tail.length > 60) tail.shift(); }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exitReason: string | undefined;
  child.on('error', (err) => (exitReason = `${cmd} failed to start: ${err.message}`));
  child.on('exit', (code, signal) => (exitReason ??= `the node process exited (code ${code}, signal ${signal})`));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = (): void => signalGroup('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const stopChild = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((r) => logStream.end(r));
  };

  const url = `http://127.0.0.1:${httpPort}`;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 300_000);
  let version: string | undefined;
  try {
    // GET / answers 405 on this distribution and health may read red with no index: the node is
    // up when it answers _nodes/_local, which also names its version.
    for (;;) {
      if (exitReason !== undefined) throw new Error(exitReason);
      if (Date.now() > deadline) throw new Error('timed out waiting for the node to answer _nodes/_local');
      try {
        const res = await fetch(`${url}/_nodes/_local?filter_path=nodes.*.version`, { signal: AbortSignal.timeout(5000) });
        if (res.ok) {
          const body = (await res.json()) as { nodes?: Record<string, { version?: string }> };
          version = Object.values(body.nodes ?? {})[0]?.version;
          if (version !== undefined) break;
        } else await res.body?.cancel();
      } catch {
        // not listening yet
      }
      await pause(500);
    }
  } catch (err) {
    await stopChild();
    const logs = join(esHome, 'logs');
    const nodeLog = existsSync(logs)
      ? readdirSync(logs).filter((f) => f.endsWith('.log') && !/deprecation|slowlog|audit/.test(f)).flatMap((f) => readFileSync(join(logs, f), 'utf8').trimEnd().split('\n').slice(-30))
      : [];
    cleanup();
    throw engineError(`elasticsearch ${spec.version} node did not come up: ${(err as Error).message}\n--- node log tail ---\n${[...tail.slice(-30), ...nodeLog].join('\n')}`, { kind: spec.kind, port: httpPort }, err);
  }
  log(`elasticsearch ${version} (integ-test-zip${asRoot ? `, as user ${ENGINE_USER}` : ''}) up at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (home ${home})`);
  let stopped = false;
  return {
    url,
    id: spec.id,
    kind: 'elasticsearch',
    version,
    geoip: false,
    home,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild();
      cleanup();
    },
  };
}
