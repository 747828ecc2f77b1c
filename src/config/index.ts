// Configuration: the schema-checked config file, normalised into CollectorOptions.
export { loadConfig, loadConfigFile, loadConfigObject, loadConfigText, lintConfigText, type ConfigSource, type LoadOptions, type ObjectLoadOptions } from './load.js';
export { parseDuration, formatDuration } from '../shared/duration.js';
export { ConfigValidationError, formatIssue, formatPath, type ConfigIssue } from './issues.js';
export { configSchema, schemaDefault } from './schema.js';
export { buildCollectorOptions, createTenantApi, type BuiltRuntime, type BuildOptions } from './build.js';
export type { AppConfig, TenantConfig, TenantCredential, RetrySettings, LogLevel } from './types.js';
export type { O365AuditConfigFile as ConfigObject } from '../generated/config.js';
