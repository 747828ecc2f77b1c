// The state every handler shares: resolved options, tenants with their subscriptions and feeds,
// the clock, tokens, faults and counters.

import type { Catalog } from './catalog.js';
import type { Feed } from './data-model.js';
import type { FaultState } from './faults.js';
import type { StatsRecorder } from './stats.js';
import type { TokenAuthority } from './tokens.js';
import type { SimTenant } from './types.js';

export interface Subscription {
  status: 'enabled' | 'disabled';
  /** Simulator time of the last start that changed state (for the 15-minute rule). */
  lastStart?: number;
}

export interface TenantState {
  pub: SimTenant;
  index: number;
  readDlp: boolean;
  auditDisabled: boolean;
  /** Absent key = never subscribed. */
  subs: Map<string, Subscription>;
  feeds: Map<string, Feed>;
}

export interface ResolvedOptions {
  seed: number;
  pageSize: number;
  tokenLifetimeSeconds: number;
  nextPageHeader: string;
  nextPageTrailingWhitespace: boolean;
  nextPageApiV1: boolean;
  nextPageKeepsPublisher: boolean;
  startCooldownMs: number;
}

export interface SimContext {
  opts: ResolvedOptions;
  now(): number;
  startedAt: number;
  tenants: TenantState[];
  byId: Map<string, TenantState>;
  /** GUID or verified domain (lower case) -> tenant. */
  byLoginName: Map<string, TenantState>;
  tokens: TokenAuthority;
  faults: FaultState;
  catalog: Catalog;
  stats: StatsRecorder;
  loginUrl: string;
  apiUrl: string;
  foreignUrl: string;
}

/** Audiences a token may be requested for: every cloud's API host and the simulator itself. */
export function allowedResources(ctx: SimContext): Set<string> {
  return new Set([
    'https://manage.office.com',
    'https://manage-gcc.office.com',
    'https://manage.office365.us',
    'https://manage.protection.apps.mil',
    ctx.apiUrl,
  ]);
}
