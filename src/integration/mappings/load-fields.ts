// Reads fields/*.yml (YAML arrays of package-spec field definitions) in file-name order.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { O365AuditError } from '../../errors.js';
import type { FieldDefinition } from './types.js';

export function loadFieldsDir(dir: string): FieldDefinition[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    throw new O365AuditError('O365_ERR_MAPPING', `cannot read the fields folder ${dir}`, { context: { dir }, cause: err });
  }
  const out: FieldDefinition[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let doc: unknown;
    try {
      doc = parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new O365AuditError('O365_ERR_MAPPING', `${path}: invalid YAML: ${(err as Error).message}`, { context: { file: path }, cause: err });
    }
    if (doc === null || doc === undefined) continue;
    if (!Array.isArray(doc)) throw new O365AuditError('O365_ERR_MAPPING', `${path}: expected a YAML list of field definitions`, { context: { file: path } });
    for (const [i, f] of doc.entries()) {
      if (typeof f !== 'object' || f === null || typeof (f as { name?: unknown }).name !== 'string') {
        throw new O365AuditError('O365_ERR_MAPPING', `${path}: entry ${i} has no name`, { context: { file: path, index: i } });
      }
      out.push(f as FieldDefinition);
    }
  }
  return out;
}
