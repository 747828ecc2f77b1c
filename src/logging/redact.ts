// The one redactor. Keeps secrets out of everything the program prints: known secret values (client
// secrets, private keys, tokens) are registered once when read, and scrub() replaces them in any
// text before it is shown. Also hides userinfo in URLs (proxy credentials) and bearer tokens / JWTs
// by shape; redactSecrets() adds secret-looking form fields, for text a server sent back.

const REDACTED = '[REDACTED]';
const secrets = new Set<string>();

/** Registers a secret value so scrub() hides it. Very short values are ignored (too many false hits). */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length >= 6) secrets.add(v);
  // A PEM is also hidden line by line: messages from crypto libraries may quote a single line.
  if (v.includes('\n')) for (const line of v.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) secrets.add(line);
}

/** Forgets one secret (a token replaced long ago), so the set stays small on long runs. */
export function forgetSecret(value: string | undefined): void {
  if (value !== undefined) secrets.delete(value.trim());
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear();
}

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
// Credentials after an HTTP auth scheme, whatever their shape (opaque tokens, base64 user:password,
// Elasticsearch API keys), e.g. in an `Authorization` header a server echoes back.
const AUTH_SCHEME = /\b(Bearer|Basic|ApiKey|Digest|Negotiate|NTLM|SharedAccessSignature|SharedKey)\s+[A-Za-z0-9._~+/=:,-]+/gi;
// The value of an authorization or API-key header or field, with or without a scheme:
// `Authorization: xyz`, `"x-api-key":"xyz"` (API-key fields in objects are caught by key in redactValue).
const AUTH_FIELD = /\b((?:proxy-)?authorization|x-api-key|ocp-apim-subscription-key)(["']?\s*[:=]\s*["']?)(?!\[REDACTED\])(?:(Bearer|Basic|ApiKey|Digest|Negotiate|NTLM)\s+)?[^\s"',;}&]+/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;

/**
 * The text with registered secrets (including every access token this process obtained), JWTs,
 * credentials after an auth scheme, authorization/API-key values and URL credentials replaced.
 */
export function scrub(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is hidden whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out
    .replace(JWT, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(AUTH_FIELD, (_m, key: string, sep: string, scheme: string | undefined) => `${key}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`)
    .replace(URL_USERINFO, `$1${REDACTED}@`);
}

// `client_secret=…`, `"password":"…"`: servers echo request bodies in their error text.
const SECRET_FIELD = /((?:client_secret|client_assertion|access_token|refresh_token|password)["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi;

/** scrub() plus secret-looking form and JSON fields: for error text a server sent back. */
export function redactSecrets(text: string): string {
  return scrub(text.replace(SECRET_FIELD, `$1${REDACTED}`));
}

/** Origin + path of a URL, never its query string (which may carry ids we do not want in logs) nor credentials. */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}

/** A URL safe to show: credentials removed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username !== '' || u.password !== '') {
      u.username = 'REDACTED';
      u.password = '';
    }
    return u.toString();
  } catch {
    return scrub(url);
  }
}

const SECRET_KEY = /secret|password|passwd|token|authorization|api[-_]?key|private_?key|assertion|credential|cookie/i;

/**
 * A deep copy of a plain value with the values of secret-looking keys replaced (numbers and
 * booleans kept: a count of token refreshes is no secret) and every string scrubbed.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || (typeof v === 'object' && v !== null)) ? REDACTED : redactValue(v);
    }
    return out;
  }
  return value;
}
