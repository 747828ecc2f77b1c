// The service examples pass the client secret as a file in $CREDENTIALS_DIRECTORY (systemd's
// LoadCredential=, or a Kubernetes Secret volume), never in the config: examples/service/config.yaml
// must read it from there, and the Kubernetes ConfigMap's config is valid the same way.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfigText } from '../../src/config/load.js';
import { REPO_ROOT, tempDir } from '../e2e/helpers.js';

describe('service examples: the secret comes from $CREDENTIALS_DIRECTORY', () => {
  const creds = tempDir('o365-creds-');
  mkdirSync(creds, { recursive: true });
  writeFileSync(join(creds, 'client-secret'), 'the-secret-from-systemd\n', { mode: 0o600 });
  writeFileSync(join(creds, 'es-api-key'), 'a2V5OnZhbHVl\n', { mode: 0o600 });
  const env = { CREDENTIALS_DIRECTORY: creds, ES_URL: 'https://es.example.com:9200', ES_API_KEY: 'a2V5OnZhbHVl' };

  it('examples/service/config.yaml (systemd) reads the client secret from the credentials folder', () => {
    const c = loadConfigText(readFileSync(join(REPO_ROOT, 'examples/service/config.yaml'), 'utf8'), { env });
    expect(c.tenants[0]!.credential).toEqual({ kind: 'secret', clientSecret: 'the-secret-from-systemd' });
    expect(c.stateDir).toBe('/var/lib/o365-audit/state');
    expect(c.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.healthEvents).toEqual({});
  });

  it('the Kubernetes example: ConfigMap config valid, probes on /health and /ready, state on a PVC, read-only root', () => {
    const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, 'examples/service/kubernetes.yaml'), 'utf8')).map((d) => d.toJSON() as any);
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const c = loadConfigText(cm.data['config.yaml'], { env });
    expect(c.tenants[0]!.credential).toEqual({ kind: 'secret', clientSecret: 'the-secret-from-systemd' });
    expect(c.metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.spec.replicas).toBe(1);
    const ctr = sts.spec.template.spec.containers[0];
    expect(ctr.livenessProbe.httpGet.path).toBe('/health');
    expect(ctr.readinessProbe.httpGet.path).toBe('/ready');
    expect(ctr.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(sts.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const env0 = ctr.env.find((e: any) => e.name === 'CREDENTIALS_DIRECTORY').value;
    expect(ctr.volumeMounts.find((m: any) => m.mountPath === env0).name).toBe('secret');
    const state = ctr.volumeMounts.find((m: any) => m.mountPath === '/var/lib/o365-audit').name;
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === state).persistentVolumeClaim.claimName).toBe(docs.find((d) => d.kind === 'PersistentVolumeClaim').metadata.name);
  });
});
