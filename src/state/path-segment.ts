// File and folder names made from ids (tenant, content type, contentId): they are plain in
// practice, but never trust that (`..`, `/`, `$`), so every state file name goes through here.

/** One path segment from an id. */
export function pathSegment(s: string): string {
  return encodeURIComponent(s).replace(/^\.+/, (m) => '%2E'.repeat(m.length));
}
