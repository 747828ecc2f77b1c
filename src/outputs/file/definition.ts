// `type: file`: one record per line appended to a file, exactly once across crashes.

import { resolve } from 'node:path';
import type { OutputFile } from '../../generated/config.js';
import { defineOutput } from '../definition.js';
import { withFormat } from '../with-format.js';
import type { RecordFormat } from '../../shared/record-format.js';
import { FileOutput } from './file-output.js';
import schema from './schema.json' with { type: 'json' };

/** Normalised config of a file output: the path is absolute. */
export interface FileOutputConfig {
  type: 'file';
  path: string;
  name?: string;
  format?: RecordFormat;
}

export const file = defineOutput({
  schema,
  normalise: (raw: OutputFile, files): FileOutputConfig => ({ type: 'file', path: resolve(files.baseDir, raw.path), name: raw.name, ...(raw.format !== undefined ? { format: raw.format } : {}) }),
  create: (c: FileOutputConfig, ctx) => withFormat(new FileOutput(c.path, { name: c.name ?? 'file', stateDir: ctx.stateDir }), c.format),
});
