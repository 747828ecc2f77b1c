// `${ENV_VAR}` interpolation in string values, after parsing (so a variable can never change the
// document's structure). `$${` stands for a literal `${`. An unset variable is an error naming the
// key path that uses it; the value itself is never echoed.

import { formatPath, type ConfigIssue, type KeyPath } from './issues.js';

const REF = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REF, (match: string, name: string | undefined) => {
      if (match === '$${') return '${';
      const n = (name ?? '').trim();
      if (!NAME.test(n)) {
        issues.push({ path: formatPath(path), message: `"\${${n}}" is not a valid environment variable reference (use letters, digits and _)` });
        return '';
      }
      const v = env[n];
      if (v === undefined) {
        issues.push({ path: formatPath(path), message: `environment variable ${n} is not set`, hint: `export ${n}=... before starting, or write the value in the file` });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}
