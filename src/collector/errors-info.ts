// How the collector classifies API failures: permanent blob loss (skip, count), subscription
// missing/disabled (start, retry), and the plain-words summary a failing stream reports.

import { ApiError, AuthError, ConfigError, O365AuditError, RefusedUrlError } from '../errors.js';
import type { StreamStats } from './types.js';

const BLOB_GONE_CODES = new Set(['AF20050', 'AF20051', 'AF20052']);

/** The blob can never be fetched (does not exist, expired, invalid id): count it lost, move on. */
export function isPermanentBlobLoss(err: unknown): err is ApiError {
  return err instanceof ApiError && !err.retryable && ((err.afCode !== undefined && BLOB_GONE_CODES.has(err.afCode)) || err.status === 404);
}

/**
 * The API refused a listing window as outside its 7 days (AF20030/AF20055). The collector only
 * sends windows that are otherwise valid (both times, start < end, at most 24 h).
 */
export function isWindowTooOld(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.afCode === 'AF20030' || err.afCode === 'AF20055');
}

/** AF20022 (no subscription) or AF20023 (disabled): start it, then retry. */
export function isSubscriptionMissing(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.afCode === 'AF20022' || err.afCode === 'AF20023');
}

/**
 * Worth listing the window again within the same round: the HTTP layer already retried each
 * request, but a whole-window retry also gets past a refused NextPageUri or a blob that kept
 * failing for a while. Configuration and permission errors would fail the same way again.
 */
export function isWindowRetryable(err: unknown): boolean {
  if (err instanceof ConfigError) return false;
  if (err instanceof AuthError) return err.retryable;
  if (err instanceof RefusedUrlError) return true;
  if (err instanceof ApiError) return err.retryable || err.status === undefined || err.status >= 500;
  return true;
}

export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}

export function errorInfo(err: unknown, hint?: string): NonNullable<StreamStats['error']> {
  const info: NonNullable<StreamStats['error']> = {
    code: err instanceof O365AuditError ? err.code : 'O365_ERR_UNEXPECTED',
    message: err instanceof Error ? err.message : String(err),
  };
  if (err instanceof ApiError && err.afCode !== undefined) info.afCode = err.afCode;
  // Any error of ours may carry a plain-words hint (ApiError, ClockSkewError, ...).
  const own = (err as { hint?: unknown } | null)?.hint;
  if (err instanceof O365AuditError && typeof own === 'string') info.hint = own;
  if (hint !== undefined) info.hint = hint;
  return info;
}
