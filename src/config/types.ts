// The normalised, validated configuration: camelCase, milliseconds, absolute paths and resolved
// secrets. Built once from the user's snake_case file (load.ts), then frozen. Secrets live only in
// `credential` and are never logged (see src/logging/redact.ts).

import type { CloudName } from '../auth/clouds.js';
import type { ConfiguredOutput } from '../outputs/build.js';
import type { RetryPolicy } from '../shared/retry.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type TenantCredential =
  | { kind: 'secret'; clientSecret: string }
  | {
      kind: 'certificate';
      /** PEM text of the private key. */
      privateKey: string;
      /** PEM text of the certificate, when `certificate_file` was given. */
      certificate?: string;
      /** Hex SHA-1 thumbprint (upper case, no separators), given or computed from the certificate. */
      thumbprint: string;
    };

/** One configured output, normalised (secrets resolved, paths absolute, durations in ms): the union the output registry derives. */
export type { ConfiguredOutput };

/** The global `retry` block: the API client's retry policy without its Retry-After cap. */
export type RetrySettings = Pick<RetryPolicy, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;

export interface TenantConfig {
  /** Key path of this tenant in the file (`tenants[1]`), for messages. */
  path: string;
  tenantId: string;
  clientId: string;
  credential: TenantCredential;
  cloud: CloudName;
  loginUrl?: string;
  apiUrl?: string;
  contentTypes: string[];
  label?: string;
  publisherIdentifier: string;
  proxy?: string;
  /** PEM text of the extra CAs (tenant's own `ca_file`, else the global one). */
  ca?: string;
}

export interface AppConfig {
  /** Absolute path of the config file ('' when built from an object). */
  file: string;
  /** Problems that do not stop a run (a secret file others may read), each naming file and line; the CLI logs them. */
  warnings?: readonly string[];
  tenants: TenantConfig[];
  intervalMs: number;
  initialIntervalMs: number;
  onlyFutureEvents: boolean;
  /** Absolute path. */
  stateDir: string;
  /** Always a list (`output` is normalised into a one-item list); file paths absolute. */
  outputs: ConfiguredOutput[];
  windowMs: number;
  lookbackMs: number;
  blobConcurrency: number;
  requestTimeoutMs: number;
  blobTimeoutMs: number;
  /** Largest record accepted from a blob, bytes; a longer one goes to the quarantine. */
  maxRecordBytes: number;
  /** Total time per attempt of a listing page / subscription call, ms. */
  requestDeadlineMs: number;
  /** Total time per attempt of a blob download, ms. */
  blobDeadlineMs: number;
  commitIntervalMs: number;
  retry: RetrySettings;
  logLevel: LogLevel;
  /** `metrics.listen`: serve /metrics, /health and /ready there. Absent: off. */
  metrics?: { host: string; port: number };
  /** `health_events`: absent means off. */
  healthEvents?: {
    /** Output names; undefined = every output. */
    outputs?: string[];
  };
}
