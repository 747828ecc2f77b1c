// An independent HTTPS server for the Entra token endpoint and the Management Activity API:
// WireMock (org.wiremock:wiremock-standalone, Jetty underneath) from Maven Central, started on the
// JVM on loopback. Nothing of the HTTP layer here (framing, chunking, headers, TLS, timing) is
// this project's code: stubs only say which status, headers and bytes to send, and WireMock's own
// fault features (chunked dribble, fixed delays) produce the misbehaviour. This keeps the
// collector honest against more than the project's own simulator, whose assumptions it shares.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const WIREMOCK_VERSION = '3.13.2';

function cacheDir(): string {
  return join(process.env.O365_AUDIT_CACHE || join(homedir(), '.cache', 'o365-audit'), `wiremock-${WIREMOCK_VERSION}`);
}

/** The standalone jar, fetched once from Maven Central with mvn (fails loudly when it cannot). */
export function wiremockJar(): string {
  const dir = cacheDir();
  const jar = join(dir, `wiremock-standalone-${WIREMOCK_VERSION}.jar`);
  if (existsSync(jar)) return jar;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=org.wiremock:wiremock-standalone:${WIREMOCK_VERSION}`, `-DoutputDirectory=${dir}`], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0 || !existsSync(jar)) throw new Error(`could not fetch WireMock ${WIREMOCK_VERSION} with mvn (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return jar;
}

export interface StubResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  base64Body?: string;
  fixedDelayMilliseconds?: number;
  chunkedDribbleDelay?: { numberOfChunks: number; totalDuration: number };
  /** WireMock response transformers, e.g. ['response-template'] to echo request parts. */
  transformers?: string[];
}

export interface Stub {
  method?: string;
  /** Path, matched exactly (the query string is ignored). */
  path: string;
  /** Query parameters that must equal these values. */
  query?: Record<string, string>;
  response: StubResponse;
  priority?: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface WireMock {
  /** https://127.0.0.1:<port>, serving both the login and the API paths. */
  origin: string;
  /** PEM of the server certificate (self-signed, for 127.0.0.1), to trust as `ca_file`. */
  caPem: string;
  stub(s: Stub): Promise<void>;
  /** Removes every stub and the request log. */
  reset(): Promise<void>;
  requests(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
}

async function admin(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`WireMock admin ${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function startWireMock(): Promise<WireMock> {
  const jar = wiremockJar();
  const dir = mkdtempSync(join(tmpdir(), 'o365-wiremock-'));
  const ks = join(dir, 'ks.p12');
  const keytool = spawnSync(
    'keytool',
    ['-genkeypair', '-alias', 'wm', '-keyalg', 'RSA', '-keysize', '2048', '-keystore', ks, '-storetype', 'PKCS12', '-storepass', 'changeit', '-keypass', 'changeit', '-dname', 'CN=127.0.0.1', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-validity', '2'],
    { encoding: 'utf8' },
  );
  if (keytool.status !== 0) throw new Error(`keytool failed: ${keytool.stderr}`);
  const pem = spawnSync('keytool', ['-exportcert', '-rfc', '-alias', 'wm', '-keystore', ks, '-storepass', 'changeit'], { encoding: 'utf8' });
  if (pem.status !== 0) throw new Error(`keytool -exportcert failed: ${pem.stderr}`);
  mkdirSync(join(dir, 'root'));

  const child: ChildProcess = spawn(
    'java',
    ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', jar, '--port', '0', '--https-port', '0', '--https-keystore', ks, '--keystore-type', 'PKCS12', '--keystore-password', 'changeit', '--key-manager-password', 'changeit', '--root-dir', join(dir, 'root'), '--disable-banner', '--disable-http2-tls', '--bind-address', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const ports = await new Promise<{ http: number; https: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`WireMock did not start in 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const http = /^port:\s+(\d+)/m.exec(out);
      const https = /^https-port:\s+(\d+)/m.exec(out);
      if (http && https) {
        clearTimeout(timer);
        resolve({ http: Number(http[1]), https: Number(https[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`WireMock exited (${code}) before it started:\n${out}`));
    });
  });
  const base = `http://127.0.0.1:${ports.http}`;

  return {
    origin: `https://127.0.0.1:${ports.https}`,
    caPem: pem.stdout,
    async stub(s) {
      const request: Record<string, unknown> = { method: s.method ?? 'ANY', urlPath: s.path };
      if (s.query) request.queryParameters = Object.fromEntries(Object.entries(s.query).map(([k, v]) => [k, { equalTo: v }]));
      await admin(base, 'POST', '/mappings', { request, response: { status: 200, ...s.response }, priority: s.priority ?? 5 });
    },
    async reset() {
      await admin(base, 'POST', '/reset');
    },
    async requests() {
      const r = (await admin(base, 'GET', '/requests')) as { requests: { request: { method: string; url: string; headers: Record<string, string> } }[] };
      return r.requests.map((x) => ({ method: x.request.method, url: x.request.url, headers: x.request.headers }));
    },
    async close() {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
