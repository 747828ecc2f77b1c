// A stream whose checkpoint file is gone though the state journal lists it (deleted by hand, a
// restore that missed a file). Starting it over would deliver up to initial_interval of records
// again, or skip what came since: the collector refuses that stream (the others run) until the user
// restores the file or forgets the stream on purpose.

import { StateError } from '../errors.js';
import type { MissingStream } from '../state/types.js';

/** A stream whose checkpoint file is gone though the journal knows it: refused, never started over. */
export function missingCheckpointError(m: MissingStream): StateError {
  return new StateError(
    `The checkpoint of tenant ${m.tenantId}, content type ${m.contentType} is missing: ${m.file} was committed (the journal commit.json lists it) but is gone. ` +
      'That stream is not collected, so it neither starts over (records delivered twice) nor skips ahead (records lost).',
    { context: { file: m.file, tenantId: m.tenantId, contentType: m.contentType } },
  );
}

export function missingCheckpointHint(m: { tenantId: string; contentType: string }): string {
  return `restore the file from a backup; or, to start this stream over from initial_interval on purpose (records may be delivered again), run: o365-audit state --config <file> --forget ${m.tenantId}/${m.contentType}`;
}

