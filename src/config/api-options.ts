// The one place that maps a tenant's normalised config onto the API client's options
// (createManagementApi in src/api). Kept apart so a change of that contract touches one file.

import type { Logger } from '../collector/types.js';
import type { AppConfig, TenantConfig } from './types.js';

export function managementApiOptions(tenant: TenantConfig, config: AppConfig, logger: Logger) {
  return {
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    credential:
      tenant.credential.kind === 'secret'
        ? { type: 'secret' as const, secret: tenant.credential.clientSecret }
        : {
            type: 'certificate' as const,
            privateKeyPem: tenant.credential.privateKey,
            certificatePem: tenant.credential.certificate,
            thumbprint: tenant.credential.thumbprint,
          },
    cloud: tenant.cloud,
    loginUrl: tenant.loginUrl,
    apiUrl: tenant.apiUrl,
    publisherIdentifier: tenant.publisherIdentifier,
    proxyUrl: tenant.proxy,
    caCerts: tenant.ca !== undefined ? [tenant.ca] : undefined,
    requestTimeoutMs: config.requestTimeoutMs,
    blobTimeoutMs: config.blobTimeoutMs,
    retry: { ...config.retry },
    logger,
  };
}
