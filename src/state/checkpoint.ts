// Stream checkpoint helpers shared by the state stores: a fresh checkpoint, a deep copy, and the
// structural validation applied to everything read back from disk (a corrupt file must be named).

import { StateError } from '../errors.js';
import type { StreamCheckpoint } from './types.js';

export function newCheckpoint(tenantId: string, contentType: string, cursor: number, now: number): StreamCheckpoint {
  return {
    version: 1,
    tenantId,
    contentType,
    cursor,
    doneBlobs: {},
    totals: { records: 0, blobs: 0, lostBlobs: 0, lostSpans: 0, duplicatesDropped: 0, quarantinedBlobs: 0, quarantinedRecords: 0 },
    updatedAt: now,
  };
}

export function cloneCheckpoint(cp: StreamCheckpoint): StreamCheckpoint {
  const copy: StreamCheckpoint = {
    version: 1,
    tenantId: cp.tenantId,
    contentType: cp.contentType,
    cursor: cp.cursor,
    doneBlobs: { ...cp.doneBlobs },
    totals: { ...cp.totals },
    updatedAt: cp.updatedAt,
  };
  if (cp.lastStartAt !== undefined) copy.lastStartAt = cp.lastStartAt;
  if (cp.clockSkew !== undefined) copy.clockSkew = { ...cp.clockSkew };
  if (cp.seenIds !== undefined) copy.seenIds = { ...cp.seenIds };
  return copy;
}

const TOTAL_KEYS = ['records', 'blobs', 'lostBlobs', 'lostSpans', 'duplicatesDropped'] as const;
const OPTIONAL_TOTAL_KEYS = ['quarantinedBlobs', 'quarantinedRecords'] as const;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkNumberMap(v: unknown, what: string, fail: (why: string) => never): Record<string, number> {
  if (!isObject(v)) fail(`${what} is not an object`);
  for (const key in v) {
    if (!isFiniteNumber(v[key])) fail(`${what}[${JSON.stringify(key).slice(0, 80)}] is not a number`);
  }
  return v as Record<string, number>;
}

/**
 * Checks the shape of a checkpoint read from `file` and returns it typed. Hand-written rather than
 * ajv: the shape is small, and a legacy seenIds can hold 10^5 keys, which a plain loop checks fastest.
 */
export function validateCheckpoint(v: unknown, file: string): StreamCheckpoint {
  const fail = (why: string): never => {
    throw new StateError(`State file ${file} is corrupt: ${why}. Restore it from a backup or delete it (that stream then starts over).`, {
      context: { file },
    });
  };
  if (!isObject(v)) fail('checkpoint is not an object');
  const o = v as Record<string, unknown>;
  if (o.version !== 1) fail(`unsupported checkpoint version ${JSON.stringify(o.version)}`);
  if (typeof o.tenantId !== 'string' || o.tenantId === '') fail('tenantId is missing');
  if (typeof o.contentType !== 'string' || o.contentType === '') fail('contentType is missing');
  if (!isFiniteNumber(o.cursor)) fail('cursor is not a number');
  if (!isFiniteNumber(o.updatedAt)) fail('updatedAt is not a number');
  if (o.lastStartAt !== undefined && !isFiniteNumber(o.lastStartAt)) fail('lastStartAt is not a number');
  if (o.clockSkew !== undefined) {
    const c = o.clockSkew as Record<string, unknown>;
    if (!isObject(c) || !isFiniteNumber(c.skewMs) || !isFiniteNumber(c.since)) fail('clockSkew is not { skewMs, since }');
  }
  checkNumberMap(o.doneBlobs, 'doneBlobs', fail);
  if (o.seenIds !== undefined) checkNumberMap(o.seenIds, 'seenIds', fail);
  if (!isObject(o.totals)) fail('totals is not an object');
  const totals = o.totals as Record<string, unknown>;
  for (const k of TOTAL_KEYS) if (!isFiniteNumber(totals[k])) fail(`totals.${k} is not a number`);
  for (const k of OPTIONAL_TOTAL_KEYS) if (totals[k] !== undefined && !isFiniteNumber(totals[k])) fail(`totals.${k} is not a number`);
  return v as StreamCheckpoint;
}
