// Listing-window validation with Microsoft's rules (management-api.md §3.4, §5.2): both times or
// neither, formats YYYY-MM-DD[THH:MM[:SS[.fff]]][Z], end - start <= 24 h, start < end, and start no
// more than 7 days before now. Unparseable values answer AF20002 (wrong parameter type).

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z)?$/;
const DAY = 86400_000;

export type WindowCheck =
  | { ok: true; start: number; end: number }
  | { ok: false; code: 'AF20002' | 'AF20030' | 'AF20055'; message: string; over24h: boolean };

export function parseApiTime(v: string): number | undefined {
  const m = TIME_RE.exec(v);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s, frac] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0', m[7] ?? '0'].map((x) => x ?? '0') as string[];
  const ms = Number((frac as string).padEnd(3, '0').slice(0, 3));
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const back = new Date(t);
  // Date.UTC rolls 2024-02-31 over to March: refuse instead.
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return t;
}

const AF20030 =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';
const AF20055 =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.';

export function checkWindow(startRaw: string | null, endRaw: string | null, now: number): WindowCheck {
  if (startRaw === null && endRaw === null) return { ok: true, start: now - DAY, end: now };
  if (startRaw === null || endRaw === null) return { ok: false, code: 'AF20030', message: AF20030, over24h: false };
  const start = parseApiTime(startRaw);
  const end = parseApiTime(endRaw);
  if (start === undefined || end === undefined) {
    const bad = start === undefined ? 'startTime' : 'endTime';
    return { ok: false, code: 'AF20002', message: `The parameter ${bad} has the wrong type: expected datetime.`, over24h: false };
  }
  if (start >= end) return { ok: false, code: 'AF20055', message: AF20055, over24h: end - start > DAY };
  if (end - start > DAY) return { ok: false, code: 'AF20030', message: AF20030, over24h: true };
  if (start < now - 7 * DAY) return { ok: false, code: 'AF20030', message: AF20030, over24h: false };
  return { ok: true, start, end };
}
