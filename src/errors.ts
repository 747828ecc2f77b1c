// Every error the library raises, with a stable `code` (tests assert on codes, never on text),
// a `retryable` flag the runtime acts on, and structured context. Never put secrets or tokens in
// messages or context.

export type ErrorContext = Record<string, string | number | boolean | undefined>;

export class O365AuditError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** A config file or value is invalid; `path` is the key path (e.g. `tenants[0].client_id`). */
export class ConfigError extends O365AuditError {
  constructor(message: string, readonly path: string, options: { cause?: unknown; file?: string } = {}) {
    super('O365_ERR_CONFIG', message, { context: { path, file: options.file }, cause: options.cause });
  }
}

/** Token acquisition failed (bad secret, wrong tenant, wrong cloud...). */
export class AuthError extends O365AuditError {
  constructor(message: string, options: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {}) {
    super('O365_ERR_AUTH', message, options);
  }
}

/**
 * The API answered with an error. `afCode` is Microsoft's `error.code` (AF20022, AF429...) when
 * there is one; `status` the HTTP status. `hint` says what the user should do, in plain words.
 */
export class ApiError extends O365AuditError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly afCode: string | undefined,
    options: { retryable?: boolean; context?: ErrorContext; cause?: unknown; hint?: string } = {},
  ) {
    super('O365_ERR_API', message, { ...options, context: { ...options.context, status, afCode, hint: options.hint } });
    this.hint = options.hint;
  }
  readonly hint: string | undefined;
}

/** A server-supplied URL (NextPageUri, contentUri) was not on the configured API host. */
export class RefusedUrlError extends O365AuditError {
  constructor(message: string, context: ErrorContext) {
    super('O365_ERR_REFUSED_URL', message, { context });
  }
}

/** An output could not accept records. */
export class OutputError extends O365AuditError {
  constructor(message: string, options: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {}) {
    super('O365_ERR_OUTPUT', message, options);
  }
}

/** The state store could not be read or written. */
export class StateError extends O365AuditError {
  constructor(message: string, options: { context?: ErrorContext; cause?: unknown } = {}) {
    super('O365_ERR_STATE', message, options);
  }
}

/**
 * A blob body that is not the JSON array of objects the API promises (not JSON, cut short but
 * cleanly ended, an HTML page with status 200). Retryable while the HTTP layer has attempts left;
 * when the last attempt fails the same way the blob is set aside in the quarantine with `body`
 * (the bytes of that last response, decompressed, at most `BAD_BODY_KEEP_BYTES`).
 */
export class BadBlobBodyError extends ApiError {
  body: Buffer | undefined;
  /** The body was longer than what `body` holds. */
  bodyCut = false;
  constructor(
    message: string,
    readonly reason: 'invalid_json' | 'truncated',
    readonly offset: number,
  ) {
    super(message, 200, undefined, { retryable: true, context: { offset, reason } });
  }
}
