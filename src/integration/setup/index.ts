// Public surface of `setup` (library and CLI sub-command).
export { setup, contentHash, type SetupOptions, type SetupResult, type InstalledAsset, type AssetKind, type AssetStatus, type SetupLogger } from './setup.js';
export { setupCommand, runSetup, formatSetupResult, type SetupCliOptions } from './command.js';
export { detectCapabilities, type ClusterCapabilities } from './capabilities.js';
export { createClusterClient, SetupError, type ClusterClient, type SetupAuth } from './http.js';
export { loadPipelines, pipelineName, entryPipelineName } from './pipelines.js';
export { adaptProcessors, type CompatNote } from './processor-compat.js';
export { INDEX_TEMPLATE, PACKAGE_COMPONENT, CUSTOM_COMPONENT, INDEX_PATTERN, LIFECYCLE_POLICY } from './templates.js';
