// AppConfig -> CollectorOptions: one ManagementApi per tenant, the outputs (src/outputs/build.ts) and
// the FileStateStore. The returned close() releases what the collector does not own (API clients).

import { createManagementApi } from '../api/index.js';
import type { ManagementApi } from '../api/types.js';
import type { CollectorOptions, TenantRuntime } from '../collector/types.js';
import type { Logger } from '../logging/types.js';
import { createOutputs } from '../outputs/build.js';
import type { OutputBuildContext } from '../outputs/definition.js';
import type { Output } from '../outputs/types.js';
import { FileStateStore } from '../state/file-store.js';
import { FileQuarantine, quarantineDir } from '../state/quarantine.js';
import type { StateStore } from '../state/types.js';
import { managementApiOptions } from './api-options.js';
import type { AppConfig, TenantConfig } from './types.js';

export interface BuildOptions {
  logger: Logger;
  /** Run-time hooks for the outputs (stdout's reader going away). */
  outputContext?: Pick<OutputBuildContext, 'onReaderGone'>;
  /** Replaces createManagementApi (tests). */
  apiFactory?: (tenant: TenantConfig, config: AppConfig, logger: Logger) => ManagementApi;
  /** Replaces the FileStateStore (tests). */
  state?: StateStore;
  now?: () => number;
}

export interface BuiltRuntime {
  options: CollectorOptions;
  apis: ManagementApi[];
  /** Closes the API clients (the collector closes outputs and state itself at the end of run()). */
  close(): Promise<void>;
}

/** Builds one API client for a tenant with the config's settings. */
export function createTenantApi(tenant: TenantConfig, config: AppConfig, logger: Logger): ManagementApi {
  return createManagementApi(managementApiOptions(tenant, config, logger));
}

export function buildCollectorOptions(config: AppConfig, build: BuildOptions): BuiltRuntime {
  const factory = build.apiFactory ?? createTenantApi;
  const apis: ManagementApi[] = [];
  const closeApis = async () => {
    await Promise.allSettled(apis.map((a) => a.close()));
  };
  let outputs: Output[] = [];
  try {
    const tenants: TenantRuntime[] = config.tenants.map((t) => {
      const api = factory(t, config, build.logger);
      apis.push(api);
      return {
        tenantId: t.tenantId,
        label: t.label,
        contentTypes: [...t.contentTypes],
        api,
        settings: {
          windowMs: config.windowMs,
          lookbackMs: config.lookbackMs,
          initialIntervalMs: config.initialIntervalMs,
          onlyFutureEvents: config.onlyFutureEvents,
          blobConcurrency: config.blobConcurrency,
        },
      };
    });
    outputs = createOutputs(config.outputs, { ...build.outputContext, logger: build.logger, stateDir: config.stateDir });
    const state =
      build.state ??
      new FileStateStore(config.stateDir, {
        onStaleLock: (lock, previous) =>
          build.logger.warn({ lock, previousPid: previous?.pid, previousHost: previous?.host }, 'took over the lock of a collector that is no longer running'),
      });
    const options: CollectorOptions = {
      tenants,
      outputs,
      state,
      intervalMs: config.intervalMs,
      commitIntervalMs: config.commitIntervalMs,
      logger: build.logger,
      // Beside the checkpoints: a blob is kept there before its checkpoint lets the cursor pass it.
      quarantine: new FileQuarantine(quarantineDir(config.stateDir)),
      ...(build.now !== undefined ? { now: build.now } : {}),
    };
    return { options, apis, close: closeApis };
  } catch (err) {
    void closeApis();
    throw err;
  }
}
