// Opaque `nextPage` tokens: `<YYYYMMDDHH of window start>R<blob index><check>`. The check digits bind
// the token to its tenant, content type and window, so a stale or edited token answers AF20031.

import { hash, hashStr } from './rng.js';

function check(seed: number, scope: string, index: number): string {
  return String(hash(seed, hashStr(scope), index, 0x9a) % 1_000_000).padStart(6, '0');
}

export function encodeNextPage(seed: number, scope: string, windowStart: number, index: number): string {
  const hour = new Date(windowStart).toISOString().slice(0, 13).replace(/[-T]/g, '');
  return `${hour}R${String(index).padStart(9, '0')}${check(seed, scope, index)}`;
}

/** The blob index a token resumes at, or undefined when it is not one of ours for this scope. */
export function decodeNextPage(seed: number, scope: string, token: string): number | undefined {
  const m = /^\d{10}R(\d{9,})(\d{6})$/.exec(token);
  if (m === null) return undefined;
  const index = Number(m[1]);
  return check(seed, scope, index) === m[2] ? index : undefined;
}
