// Config rules the JSON Schema says badly (two keys that exclude each other, at most one stdout,
// unique names), for the outputs' own `config.ts` and for the registry's checks.

/** A problem in one output entry; `key` is the entry's key it concerns (none: the whole entry). */
export interface OutputIssue {
  key?: string;
  message: string;
  hint?: string;
}

/** "give either a or b, not both", reported at `b`. */
export function bothGiven(o: Record<string, unknown>, a: string, b: string): OutputIssue[] {
  return o[a] !== undefined && o[b] !== undefined ? [{ key: b, message: `give either ${a} or ${b}, not both` }] : [];
}
