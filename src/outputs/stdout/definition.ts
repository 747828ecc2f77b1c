// `type: stdout`: one record per line on standard output (logs go to stderr).

import type { OutputStdout } from '../../generated/config.js';
import { defineOutput } from '../definition.js';
import { withFormat } from '../with-format.js';
import type { RecordFormat } from '../../shared/record-format.js';
import { StdoutOutput } from './stdout-output.js';
import schema from './schema.json' with { type: 'json' };

export interface StdoutOutputConfig {
  type: 'stdout';
  name?: string;
  format?: RecordFormat;
}

export const stdout = defineOutput({
  schema,
  // One process has one standard output: two outputs would interleave their lines.
  maxCount: 1,
  normalise: (raw: OutputStdout): StdoutOutputConfig => ({ type: 'stdout', name: raw.name, ...(raw.format !== undefined ? { format: raw.format } : {}) }),
  create: (c: StdoutOutputConfig, ctx) => withFormat(new StdoutOutput({ name: c.name ?? 'stdout', onReaderGone: ctx.onReaderGone }), c.format),
});
