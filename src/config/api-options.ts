// The one place that maps a tenant's normalised config onto the API client's options
// (createManagementApi in src/api). Kept apart so a change of that contract touches one file.

import type { ManagementApiOptions } from '../api/index.js';
import type { Logger } from '../logging/types.js';
import type { AppConfig, TenantConfig } from './types.js';

export function managementApiOptions(tenant: TenantConfig, config: AppConfig, logger: Logger): ManagementApiOptions {
  return {
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    credential:
      tenant.credential.kind === 'secret'
        ? { type: 'secret', secret: tenant.credential.clientSecret }
        : {
            type: 'certificate',
            privateKeyPem: tenant.credential.privateKey,
            ...(tenant.credential.certificate !== undefined ? { certificatePem: tenant.credential.certificate } : { thumbprint: tenant.credential.thumbprint }),
          },
    cloud: tenant.cloud,
    ...(tenant.loginUrl !== undefined ? { loginUrl: tenant.loginUrl } : {}),
    ...(tenant.apiUrl !== undefined ? { apiUrl: tenant.apiUrl } : {}),
    publisherId: tenant.publisherIdentifier,
    ...(tenant.proxy !== undefined ? { proxyUrl: tenant.proxy } : {}),
    ...(tenant.ca !== undefined ? { caCerts: [tenant.ca] } : {}),
    // request_timeout / blob_timeout bound both the wait for response headers and any silence
    // while a body streams; request_deadline / blob_deadline bound the whole of one attempt, so a
    // body that trickles (never silent long enough) still ends.
    timeouts: {
      loginMs: config.requestTimeoutMs,
      listHeadersMs: config.requestTimeoutMs,
      listBodyIdleMs: config.requestTimeoutMs,
      listTotalMs: config.requestDeadlineMs,
      blobHeadersMs: config.blobTimeoutMs,
      blobBodyIdleMs: config.blobTimeoutMs,
      blobTotalMs: config.blobDeadlineMs,
    },
    retry: { ...config.retry },
    maxRecordBytes: config.maxRecordBytes,
    logger,
  };
}
