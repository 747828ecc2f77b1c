// "Did you mean …?" for unknown keys: the closest known key by edit distance, after folding case
// and separators (so `clientSecret` and `client-secret` find `client_secret`).

function fold(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, if it is close enough to be a plausible typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const f = fold(key);
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(f, fold(k));
    if (best === undefined || d < best.d) best = { key: k, d };
  }
  if (best === undefined) return undefined;
  return best.d <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}
