// Collected configuration problems: each names its key path (`tenants[1].client_secret`), says what
// is wrong in plain words and, when the file has it, the line. All of them are reported at once in
// one ConfigValidationError (code O365_ERR_CONFIG), so a user fixes a file in one pass.

import { ConfigError } from '../errors.js';

export type KeyPath = ReadonlyArray<string | number>;

export interface ConfigIssue {
  /** Key path, e.g. `tenants[1].client_secret` ('' = the whole file). */
  path: string;
  message: string;
  /** 1-based line in the config file, when known. */
  line?: number;
  hint?: string;
}

/** `['tenants', 1, 'client_secret']` -> `tenants[1].client_secret`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue, file?: string): string {
  const where = file ? `${file}${issue.line !== undefined ? `:${issue.line}` : ''}: ` : issue.line !== undefined ? `line ${issue.line}: ` : '';
  const key = issue.path === '' ? '' : `${issue.path}: `;
  return `${where}${key}${issue.message}${issue.hint ? ` (hint: ${issue.hint})` : ''}`;
}

/** Every problem found in a config; `path` (of ConfigError) is the first one's. */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[], file?: string) {
    const first = issues[0] ?? { path: '', message: 'invalid configuration' };
    const lines = issues.map((i) => `  - ${formatIssue(i, file)}`);
    super(`Invalid configuration${file ? ` in ${file}` : ''}:\n${lines.join('\n')}`, first.path, { file });
    this.issues = Object.freeze([...issues]);
  }
}
