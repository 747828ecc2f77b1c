// Gets one token for a configured tenant the way the API client would (same endpoints, proxy and
// CAs), for `check`: it needs the token's claims, which the API client keeps to itself.

import { resolveEndpoints } from '../auth/clouds.js';
import { TokenProvider, type ClientCredential } from '../auth/token-provider.js';
import { createDispatcher } from '../api/dispatcher.js';
import type { Logger } from '../logging/types.js';
import type { AppConfig, TenantConfig } from '../config/types.js';

export async function tenantToken(tenant: TenantConfig, config: AppConfig, logger?: Logger): Promise<string> {
  const endpoints = resolveEndpoints({ cloud: tenant.cloud, loginUrl: tenant.loginUrl, apiUrl: tenant.apiUrl });
  const dispatcher = createDispatcher({ proxyUrl: tenant.proxy, caCerts: tenant.ca !== undefined ? [tenant.ca] : undefined });
  const credential: ClientCredential =
    tenant.credential.kind === 'secret'
      ? { type: 'secret', secret: tenant.credential.clientSecret }
      : { type: 'certificate', privateKeyPem: tenant.credential.privateKey, certificatePem: tenant.credential.certificate, thumbprint: tenant.credential.thumbprint };
  try {
    const provider = new TokenProvider({
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      credential,
      loginUrl: endpoints.loginUrl,
      scope: endpoints.scope,
      dispatcher,
      logger,
      timeoutMs: config.requestTimeoutMs,
    });
    return await provider.getToken();
  } finally {
    await dispatcher.close();
  }
}

export function tenantEndpoints(tenant: TenantConfig): { loginUrl: string; apiUrl: string; scope: string } {
  return resolveEndpoints({ cloud: tenant.cloud, loginUrl: tenant.loginUrl, apiUrl: tenant.apiUrl });
}
