import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../config/load.js';
import { parseListen } from './listen.js';

describe('metrics.listen', () => {
  it('reads host:port, [v6]:port and :port', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen(':9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it('names what is wrong', () => {
    expect(parseListen('9464')).toMatch(/not host:port/);
    expect(parseListen('127.0.0.1:70000')).toMatch(/above 65535/);
  });

  const base = 'tenants: [{ tenant_id: 00000000-0000-0000-0000-000000000001, client_id: 00000000-0000-0000-0000-000000000002, client_secret: x }]\n';

  it('is off unless configured, and a bad value is a config error with its key path and line', () => {
    expect(loadConfigText(base).metrics).toBeUndefined();
    expect(loadConfigText(`${base}metrics: { listen: "127.0.0.1:9464" }\n`).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(() => loadConfigText(`${base}metrics:\n  listen: "127.0.0.1:99999"\n`)).toThrow(/metrics\.listen.*line 3.*above 65535|metrics\.listen[\s\S]*above 65535/);
    expect(() => loadConfigText(`${base}metrics: {}\n`)).toThrow(/listen/);
  });

  it('health_events: off unless given; names of outputs must exist', () => {
    expect(loadConfigText(base).healthEvents).toBeUndefined();
    expect(loadConfigText(`${base}health_events: {}\n`).healthEvents).toEqual({});
    expect(() => loadConfigText(`${base}health_events: { outputs: [siem] }\n`)).toThrow(/health_events\.outputs\[0\][\s\S]*no output is named "siem"/);
  });
});
