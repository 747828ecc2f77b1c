// `o365-audit check --config FILE`: for each tenant, proves the setup end to end and explains what
// is wrong in plain words: token (AADSTS errors), permissions (the token's `roles`), subscriptions
// per content type, audit log enabled. Starts missing subscriptions unless --no-start.

import { Command, Option } from 'commander';
import type { ManagementApi, SubscriptionInfo } from '../../api/types.js';
import { createTenantApi } from '../../config/build.js';
import type { AppConfig, TenantConfig } from '../../config/types.js';
import { toCollectorLogger } from '../../logging/logger.js';
import { scrub } from '../../logging/redact.js';
import { loadContext, LOG_LEVELS } from '../context.js';
import { EXIT_FAILURES, EXIT_OK } from '../exit-codes.js';
import { explainError, isAuditLogDisabled } from '../explain.js';
import { decodeJwtClaims } from '../jwt.js';
import { tenantEndpoints, tenantToken } from '../tenant-token.js';
import type { Logger } from '../../logging/types.js';

const READ = 'ActivityFeed.Read';
const READ_DLP = 'ActivityFeed.ReadDlp';

type Level = 'ok' | 'warn' | 'fail' | 'info';
const TAG: Record<Level, string> = { ok: '  ok  ', warn: '  warn', fail: '  FAIL', info: '  info' };

export class Report {
  failed = false;
  private out: string[] = [];
  line(level: Level, text: string, advice: string[] = []): void {
    if (level === 'fail') this.failed = true;
    this.out.push(`${TAG[level]}  ${scrub(text)}`);
    for (const a of advice) this.out.push(`          -> ${scrub(a)}`);
  }
  head(text: string): void {
    this.out.push(text);
  }
  text(): string {
    return `${this.out.join('\n')}\n`;
  }
}

export function checkCommand(): Command {
  return new Command('check')
    .description('check each tenant: token, permissions, subscriptions, audit log; explain what is wrong')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--no-start', 'only look: do not start missing subscriptions')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('warn'))
    .action(async (flags: { config: string; start: boolean; logLevel: string }) => {
      const { config, log } = await loadContext(flags.config, flags.logLevel);
      const logger = toCollectorLogger(log);
      let failed = false;
      for (const tenant of config.tenants) {
        const report = await checkTenant(tenant, config, { start: flags.start, logger });
        process.stdout.write(report.text());
        failed ||= report.failed;
      }
      process.stdout.write(
        '\nNote: after a subscription starts, the first content can take up to 12 hours to appear; empty listings until then are normal.\n',
      );
      process.exitCode = failed ? EXIT_FAILURES : EXIT_OK;
    });
}

export async function checkTenant(tenant: TenantConfig, config: AppConfig, o: { start: boolean; logger: Logger }): Promise<Report> {
  const r = new Report();
  const ep = tenantEndpoints(tenant);
  r.head(`\nTenant ${tenant.label ? `${tenant.label} (${tenant.tenantId})` : tenant.tenantId}: cloud ${tenant.cloud}, login ${new URL(ep.loginUrl).host}, API ${new URL(ep.apiUrl).host}`);

  // 1. Token, and what it says about permissions.
  let roles: string[] = [];
  try {
    const token = await tenantToken(tenant, config, o.logger);
    const claims = decodeJwtClaims(token);
    r.line('ok', 'token obtained');
    if (claims === undefined) {
      r.line('warn', 'the token is not a readable JWT; permissions could not be checked from it');
      roles = [READ, READ_DLP];
    } else {
      roles = claims.roles;
      if (claims.tid !== undefined && claims.tid.toLowerCase() !== tenant.tenantId.toLowerCase()) {
        r.line('fail', `the token was issued by tenant ${claims.tid}, not ${tenant.tenantId}`, ['tenant_id must be the Directory (tenant) ID of the tenant you read.']);
      }
      if (claims.scp !== undefined && claims.roles.length === 0) {
        r.line('fail', 'the token is a delegated (user) token; the API needs application permissions', ['Use Application permissions with admin consent.']);
      }
      if (!roles.includes(READ)) {
        r.line('fail', `the app has no ${READ} permission (roles: ${roles.join(', ') || 'none'})`, [
          `In the app registration, API permissions: add Office 365 Management APIs, Application permission ${READ}, then "Grant admin consent". Remove Delegated rows for the same permission.`,
        ]);
      } else {
        r.line('ok', `permissions: ${roles.join(', ')}`);
      }
      if (tenant.contentTypes.includes('DLP.All') && !roles.includes(READ_DLP)) {
        r.line('fail', `DLP.All is configured but the app lacks ${READ_DLP}: that content type will fail with 401 (the others work)`, [
          `Add the Application permission ${READ_DLP} and grant admin consent, or remove DLP.All from content_types.`,
        ]);
      }
    }
  } catch (err) {
    const e = explainError(err, tenant.cloud);
    r.line('fail', e.what, e.advice);
    return r;
  }

  // 2. Subscriptions, per content type.
  let api: ManagementApi | undefined;
  try {
    api = createTenantApi(tenant, config, o.logger);
    let subs: SubscriptionInfo[];
    try {
      subs = await api.listSubscriptions();
    } catch (err) {
      const e = explainError(err, tenant.cloud);
      r.line('fail', `listing subscriptions failed: ${e.what}`, e.advice);
      return r;
    }
    const byType = new Map(subs.map((s) => [s.contentType, s]));
    for (const ct of tenant.contentTypes) {
      const s = byType.get(ct);
      const status = s === undefined ? 'missing' : (s.status ?? 'unknown').toLowerCase();
      if (status === 'enabled') {
        r.line('ok', `${ct.padEnd(26)} subscription enabled`);
        continue;
      }
      if (ct === 'DLP.All' && !roles.includes(READ_DLP)) {
        r.line('fail', `${ct.padEnd(26)} subscription ${status}; cannot be started without ${READ_DLP}`);
        continue;
      }
      if (!o.start) {
        r.line('warn', `${ct.padEnd(26)} subscription ${status}; collect will start it (or run check without --no-start)`);
        continue;
      }
      try {
        await api.startSubscription(ct);
        r.line('ok', `${ct.padEnd(26)} subscription was ${status}; started now (first content can take up to 12 hours)`);
      } catch (err) {
        const e = explainError(err, tenant.cloud);
        if (isAuditLogDisabled(err)) {
          // Tenant-wide: the other content types would fail the same way.
          r.line('fail', e.what, e.advice);
          break;
        }
        r.line('fail', `${ct.padEnd(26)} starting the subscription failed: ${e.what}`, e.advice);
      }
    }
  } finally {
    await api?.close();
  }
  return r;
}
