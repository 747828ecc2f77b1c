// Redaction for text that may end up in errors or logs (server error bodies, Entra messages):
// bearer tokens, JWT-shaped strings and secret-looking form fields are blanked.

const PATTERNS: readonly RegExp[] = [
  /(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /((?:client_secret|client_assertion|access_token|refresh_token|password)["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const p of PATTERNS) out = out.replace(p, (_m, keep: unknown) => `${typeof keep === 'string' ? keep : ''}[redacted]`);
  return out;
}

/** Origin + path of a URL, never its query string (which may carry ids we do not want in logs). */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}
