// Cloud → hosts table (management-api.md §2) and the resolution of user overrides (proxies, test
// doubles) into the three endpoints the auth and API layers need. No I/O here.

import { ConfigError } from '../errors.js';

export type CloudName = 'commercial' | 'gcc' | 'gcc-high' | 'dod';

export interface CloudEndpoints {
  /** Entra login origin, e.g. `https://login.microsoftonline.com` (no trailing slash). */
  loginUrl: string;
  /** API origin, e.g. `https://manage.office.com` (no trailing slash). */
  apiUrl: string;
  /** v2 scope; always the cloud's resource + `/.default` unless overridden. */
  scope: string;
}

// GCC lives in commercial Entra; GCC High and DoD share the US Government login host. The token
// audience is the API host, so the scope follows the cloud even when api_url points at a proxy.
const CLOUDS: Readonly<Record<CloudName, { login: string; api: string }>> = Object.freeze({
  commercial: { login: 'login.microsoftonline.com', api: 'manage.office.com' },
  gcc: { login: 'login.microsoftonline.com', api: 'manage-gcc.office.com' },
  'gcc-high': { login: 'login.microsoftonline.us', api: 'manage.office365.us' },
  dod: { login: 'login.microsoftonline.us', api: 'manage.protection.apps.mil' },
});

export const CLOUD_NAMES: readonly CloudName[] = Object.freeze(Object.keys(CLOUDS) as CloudName[]);

export function isCloudName(value: string): value is CloudName {
  return Object.prototype.hasOwnProperty.call(CLOUDS, value);
}

/** The fixed endpoints of one cloud, without overrides. */
export function cloudEndpoints(cloud: CloudName): CloudEndpoints {
  const c = CLOUDS[cloud];
  if (c === undefined) throw new ConfigError(`unknown cloud "${String(cloud)}" (expected ${CLOUD_NAMES.join(', ')})`, 'cloud');
  return { loginUrl: `https://${c.login}`, apiUrl: `https://${c.api}`, scope: `https://${c.api}/.default` };
}

export interface CloudOverrides {
  cloud?: CloudName;
  /** Replaces the login origin (proxy, sovereign mirror, test double). */
  loginUrl?: string;
  /** Replaces the API origin. The scope still names the cloud's resource. */
  apiUrl?: string;
  /** Replaces the scope (rarely needed: a double that checks a different audience). */
  scope?: string;
}

/** Resolves cloud + overrides into endpoints; validates the override URLs. */
export function resolveEndpoints(o: CloudOverrides = {}): CloudEndpoints {
  const base = cloudEndpoints(o.cloud ?? 'commercial');
  return {
    loginUrl: o.loginUrl !== undefined ? normaliseOrigin(o.loginUrl, 'login_url') : base.loginUrl,
    apiUrl: o.apiUrl !== undefined ? normaliseOrigin(o.apiUrl, 'api_url') : base.apiUrl,
    scope: o.scope ?? base.scope,
  };
}

/**
 * Parses an override into `scheme://host[:port][/path]` without a trailing slash. A path is kept
 * (some proxies mount the API under a prefix); query and fragment are refused.
 */
export function normaliseOrigin(value: string, path: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch (cause) {
    throw new ConfigError(`${path} is not a valid URL`, path, { cause });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(`${path} must be an https URL`, path);
  if (u.search !== '' || u.hash !== '') throw new ConfigError(`${path} must not carry a query string or fragment`, path);
  if (u.username !== '' || u.password !== '') throw new ConfigError(`${path} must not carry credentials`, path);
  const p = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${p}`;
}
