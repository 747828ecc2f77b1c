// Readiness probe shared by the network outputs: can a TCP connection to the destination be opened
// now? Deliberately below HTTP: no request reaches the receiver (no log line, no auth attempt, no
// side effect), and "reachable" is what an orchestrator's readiness means; whether the receiver
// accepts the records is what the outputs' own errors and retries report.

import { connect } from 'node:net';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function tryConnect(url: URL, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const port = url.port !== '' ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 443);
  // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (err?: Error): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => done(new Error('probe aborted'));
    const timer = setTimeout(() => done(new Error(`no connection to ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(new Error(`cannot connect to ${url.host} (${err.code ?? err.message})`)));
  });
}

/** Resolves when any of `urls` accepts a TCP connection; rejects with every reason otherwise. */
export async function probeConnect(urls: readonly string[], signal: AbortSignal, timeoutMs = 5000): Promise<void> {
  const reasons: string[] = [];
  for (const u of urls) {
    try {
      await tryConnect(new URL(u), signal, timeoutMs);
      return;
    } catch (err) {
      reasons.push((err as Error).message);
    }
  }
  throw new Error(reasons.join('; ') || 'no destination configured');
}
