// Elasticsearch 8/9 test nodes from Elastic's integ-test-zip distribution on Maven Central (no
// ingest processors, painless or lifecycle; templates, flattened, data streams, rollover and
// _field_caps work). Elasticsearch refuses to run as root, so under root (CI) the node runs as an
// unprivileged user created for it, with its folder owned by that user.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { engineError, notUpError, runningEngine, spawnEngineChild, type RunningEngine } from './engine-child.js';
import { engineJvmOptions, enginePackageRoot, freeHttpPort, run, type StartEngineOptions } from './engine-runner.js';
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
  // Own process group: stop() signals the whole group (runuser, the launcher and the JVM).
  const child = spawnEngineChild({ cmd, args, logFile: join(home, 'runner.log'), group: true, killAfterMs: 20_000 });

  const url = `http://127.0.0.1:${httpPort}`;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 300_000);
  let version: string | undefined;
  try {
    // GET / answers 405 on this distribution and health may read red with no index: the node is
    // up when it answers _nodes/_local, which also names its version.
    for (;;) {
      const exitReason = child.exitReason();
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
    throw await notUpError(child, spec, httpPort, join(esHome, 'logs'), cleanup, err);
  }
  log(`elasticsearch ${version} (integ-test-zip${asRoot ? `, as user ${ENGINE_USER}` : ''}) up at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (home ${home})`);
  return runningEngine({ url, id: spec.id, kind: 'elasticsearch', version, geoip: false, home }, child, cleanup);
}
