// Loopback HTTP receiver for the shipping-output tests: records every request and answers with
// what the test scripts (status, headers, a delay, a cut connection).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; waitFor?: Promise<void> }
  | 'cut';

export interface TestReceiver {
  url: string;
  requests: Received[];
  /** Decides the reply to each request (default 200). */
  reply: (req: Received, index: number) => Reply | Promise<Reply>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/'): Promise<TestReceiver> {
  const state: TestReceiver = {
    url: '',
    requests: [],
    reply: () => ({ status: 200 }),
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const index = state.requests.push(r) - 1;
      void Promise.resolve(state.reply(r, index)).then(async (reply) => {
        if (reply === 'cut') {
          req.socket.destroy();
          return;
        }
        if (reply.waitFor) await reply.waitFor;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '{}');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}${path}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

/** A promise with its resolver, to hold a reply until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** True if `p` is still pending after the current turns of the event loop. */
export async function isPending(p: Promise<unknown>, ms = 50): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}
