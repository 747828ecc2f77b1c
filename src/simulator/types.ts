// Public types of the simulator: options, the running handle, tenants, faults and stats.
// Everything time-like is epoch milliseconds on the simulator's clock unless a name says seconds.

export const CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** A fault given as a bare rate (0..1) or with a cap on how many times it fires in total. */
export type FaultRate = number | { rate: number; count?: number };

export interface FaultOptions {
  /** 403 + `{"error":{"code":"AF429",...}}`, no Retry-After (Microsoft's documented throttle shape). */
  throttle403?: FaultRate;
  /** 429 with `Retry-After: <retryAfterSeconds>`. */
  throttle429?: FaultRate | { rate: number; count?: number; retryAfterSeconds?: number };
  /** 500 AF50000, or 503 (chosen per request from the seed). */
  serverError?: FaultRate;
  /** 500 AF50006 (undocumented, retryable). */
  unknownAf5?: FaultRate;
  /** Blob GET: send part of the body, then destroy the socket. */
  cutBody?: FaultRate;
  /** Delay before answering. */
  slow?: FaultRate | { rate: number; count?: number; delayMs?: number };
  /** Tokens expire after this many seconds (true = 5). Expired tokens get 401 from the API. */
  shortTokens?: number | boolean;
  /**
   * Share of blobs created in the last `maxLagSeconds` before start that are listed only
   * `delaySeconds` after start (a collector must re-list with overlap to see them).
   */
  lateListed?: number | { rate: number; delaySeconds?: number; maxLagSeconds?: number };
  /** Share of blobs that also carry a copy (same Id) of records from an earlier blob. */
  duplicateRecords?: number;
  /**
   * Share of blobs that also carry 1-3 copies (same Id) of records from a blob created at least
   * `minGapHours` (default 24) earlier: Microsoft hands some records out again days apart.
   */
  distantRepeats?: number | { rate: number; minGapHours?: number };
  /** Share of blobs listed with contentExpiration already past; GET -> AF20051; not in groundTruth. */
  expiredContent?: number;
  /** Share of blobs whose contentUri is on the foreign host; not in groundTruth. */
  foreignContentUri?: number;
  /**
   * Chance that the last page of a listing carries a NextPageUri on the foreign host (nothing real
   * behind it). Drawn per attempt of the window, at most 3 times in a row, so re-listing gets through.
   */
  foreignNextPage?: number;
  /** Share of (tenant, content type) subscriptions that do not exist until started (AF20022). */
  missingSubscription?: number;
  /**
   * The `Date` header is off by `ms` (a skewed server, or a proxy that rewrites it) on every
   * response, or on a share (`rate`) of them. The simulator's own clock (windows, expiry) is not.
   */
  dateSkew?: number | { ms: number; rate?: number };
  /**
   * Blobs served with the same defect on every request (not a transient fault): the whole body bad
   * (a poison blob) or one bad record in it. Read live: setFaults({ poison: [] }) heals them.
   */
  poison?: PoisonFault[];
  /**
   * Listing pages (`listings`) and blob bodies (`blobs`) that trickle: after the headers, one byte
   * every `intervalMs` (default 1000), on every attempt. A share `rate` of them, chosen per URL
   * (default 1 = all). Each byte comes sooner than any idle timeout, so only a total deadline ends it.
   */
  trickleBody?: { rate?: number; intervalMs?: number; listings?: boolean; blobs?: boolean };
}

/**
 * Whole-body defects: `notJson` (plain text), `truncated` (the array stops mid-record, the response
 * ends cleanly), `html200` (a sign-in page with status 200). One-record defects (the blob's second
 * record, or its only one): `rawNewline` (a raw newline inside a string), `nonJsonRecord` (a bare
 * `undefined` value), `noId` (no `Id` key), `invalidUtf8` (a Latin-1 byte in a string),
 * `oversizeRecord` (a string of `oversizeBytes` bytes).
 */
export type PoisonKind = 'notJson' | 'truncated' | 'html200' | 'rawNewline' | 'nonJsonRecord' | 'noId' | 'invalidUtf8' | 'oversizeRecord';

export interface PoisonFault {
  /** Tenant index (default 0). */
  tenant?: number;
  contentType: ContentType;
  /** Blob index in the feed (0 = oldest). */
  blob: number;
  kind: PoisonKind;
  /** For `oversizeRecord`: bytes added to the record (default 1 MiB). */
  oversizeBytes?: number;
}

export interface SimTenantSpec {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Register a generated RSA certificate for client-assertion login. */
  certificate?: boolean;
  contentTypes?: ContentType[];
  /** Grants ActivityFeed.ReadDlp (default true). Without it DLP.All answers 401. */
  readDlp?: boolean;
  /** Unified audit log off: start fails with the "Tenant <guid> does not exist" diagnostic. */
  auditDisabled?: boolean;
  /** Subscriptions exist and are enabled at start (default: SimulatorOptions.initiallySubscribed). */
  initiallySubscribed?: boolean;
}

export interface SimulatorOptions {
  /** Port of the main server (login + API); 0 = any. */
  port?: number;
  /** Number of generated tenants (ignored when `tenantSpecs` is given). Default 1. */
  tenants?: number;
  tenantSpecs?: SimTenantSpec[];
  /** Content types of generated tenants. Default: all five. */
  contentTypes?: ContentType[];
  /** Blobs per tenant and content type. Default 20. */
  blobsPerContentType?: number;
  /** Records per blob, fixed or [min, max]. Default 50. */
  recordsPerBlob?: number | [number, number];
  /** Records shorter than this are padded (bytes). Default 1024; 0 = no padding. */
  recordSizeTarget?: number;
  /** contentCreated spreads over [start - spanMs, start). Default 6 h; at most 7 d. */
  spanMs?: number;
  /** Also spread blobs over [start, start + futureMs): each appears when the clock reaches it. */
  futureMs?: number;
  /** Descriptors per listing page. Default 100. */
  pageSize?: number;
  /** Token lifetime, seconds. Default 3599. */
  tokenLifetimeSeconds?: number;
  seed?: number;
  /** Simulator clock. Default Date.now (plus whatever `advance` added). */
  now?: () => number;
  faults?: FaultOptions;
  /** Default true. */
  initiallySubscribed?: boolean;
  /** Header name for the next page link (default `NextPageUri`; e.g. `NextPageUrl`, `nextpageuri`). */
  nextPageHeader?: string;
  /** Append whitespace to the next page header value. */
  nextPageTrailingWhitespace?: boolean;
  /** Use `/api/v1/` (Microsoft's sample) instead of `/api/v1.0/` in next page links. */
  nextPageApiV1?: boolean;
  /** Keep PublisherIdentifier in next page links (default false: the collector must add it). */
  nextPageKeepsPublisher?: boolean;
  /** One huge blob (first tenant, first content type, blob 0) of about this many bytes. */
  hugeBlobBytes?: number;
  /** Minimum time between successful subscription starts (default 15 min). */
  startCooldownMs?: number;
  /** Most transient faults one request key gets in a row, so every record stays reachable. Default 3. */
  maxConsecutiveFaults?: number;
}

export interface SimTenant {
  tenantId: string;
  /** Verified domain; the login endpoint accepts it in place of the GUID. */
  domain: string;
  clientId: string;
  clientSecret: string;
  contentTypes: ContentType[];
  certificate?: SimCertificate;
}

export interface SimCertificate {
  certPem: string;
  privateKeyPem: string;
  /** Hex SHA-1 and SHA-256 thumbprints of the DER certificate (MSAL wants hex). */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export interface ForeignRequest {
  method: string;
  url: string;
  authorization: boolean;
}

export interface SimStats {
  requests: number;
  requestsByRoute: Record<string, number>;
  withoutPublisherIdentifier: number;
  rejectedWindows: number;
  windowsOver24h: number;
  tokensIssued: number;
  tokenErrors: number;
  unauthorized: number;
  throttles: number;
  serverErrors: number;
  cutBodies: number;
  /** Body bytes sent one at a time by the trickleBody fault. */
  trickledBytes: number;
  slowed: number;
  foreignRequests: number;
  foreignWithAuthorization: number;
  /** Last 1000 foreign-host requests. */
  foreignLog: ForeignRequest[];
  maxConcurrentBlobs: Record<string, number>;
  /** tenantId -> contentType -> start requests. */
  starts: Record<string, Record<string, number>>;
  blobsServed: number;
  recordsServed: number;
  bytesServed: number;
}

export interface GroundTruthOptions {
  /** Reachability as of this time (default now()). */
  at?: number;
  /** Only blobs with contentCreated >= since. */
  since?: number;
}

export interface Simulator {
  loginUrl: string;
  apiUrl: string;
  foreignUrl: string;
  /** CA that signed both servers' certificates (SANs 127.0.0.1 and localhost). */
  caPem: string;
  tenants: SimTenant[];
  /** Simulator clock at start. */
  startedAt: number;
  now(): number;
  stats(): SimStats;
  /** Ids of every record a correct collector can reach (see README in index.ts). */
  groundTruth(tenantId: string, contentType: string, options?: GroundTruthOptions): Set<string>;
  /** Content id and own record Ids (in order, duplicates of other blobs excluded) of blob `blob` of a feed. */
  blobRecords(tenantId: string, contentType: string, blob: number): { contentId: string; ids: string[] };
  setFaults(partial: FaultOptions): void;
  /** Moves the simulator clock by `ms` (added to Date.now or to the `now` override). */
  advance(ms: number): void;
  close(): Promise<void>;
}
