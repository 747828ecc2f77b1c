// Shared pieces of the record generators: per-tenant pools (users, sites, devices) and small
// formatters. Values use documentation address ranges (RFC 5737, RFC 3849) and example.com names.

import { Stream, guid, hash } from '../rng.js';

/** What every generator needs to know about the tenant and the record's place. */
export interface RecordContext {
  tenant: TenantProfile;
  /** Record Id (already drawn from the stream). */
  id: string;
  /** `YYYY-MM-DDTHH:MM:SS`, no zone (Microsoft's wire format). */
  creationTime: string;
  /** Epoch ms of creationTime. */
  creationMs: number;
}

export type RecordGenerator = (s: Stream, ctx: RecordContext) => string;

export interface TenantUser {
  upn: string;
  display: string;
  objectId: string;
  puid: string;
  sid: string;
}

export interface TenantProfile {
  tenantId: string;
  domain: string;
  /** Short name used in SharePoint host names. */
  short: string;
  users: TenantUser[];
  sites: string[];
  appIds: string[];
  servers: string[];
}

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yara'];
const LAST = ['adams', 'baker', 'clark', 'davis', 'evans', 'fisher', 'garcia', 'harris', 'ito', 'jones', 'khan', 'lopez', 'miller', 'novak', 'ortiz', 'patel'];
const SITE_NAMES = ['Finance', 'HR', 'Engineering', 'Sales', 'Legal', 'Marketing', 'ProjectApollo', 'Operations', 'ITSupport', 'Board'];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function tenantProfile(seed: number, tenantIndex: number, tenantId: string, domain: string): TenantProfile {
  const s = new Stream(hash(seed, tenantIndex, 0x7e4a47));
  const short = domain.split('.')[0] ?? 'tenant';
  const users: TenantUser[] = [];
  const seen = new Set<string>();
  while (users.length < 40) {
    const f = s.pick(FIRST);
    const l = s.pick(LAST);
    const key = `${f}.${l}`;
    if (seen.has(key)) continue;
    seen.add(key);
    users.push({
      upn: `${key}@${domain}`,
      display: `${cap(f)} ${cap(l)}`,
      objectId: s.guid(),
      puid: `10032000${(s.next() & 0xffffff).toString(16).padStart(6, '0')}${(s.next() & 0xff).toString(16).padStart(2, '0')}`.toUpperCase(),
      sid: `S-1-5-21-${1000000000 + s.int(999999999)}-${1000000000 + s.int(999999999)}-${1000000000 + s.int(999999999)}-${10000 + s.int(90000)}`,
    });
  }
  const sites = SITE_NAMES.map((n) => `https://${short}.sharepoint.example.com/sites/${n}`);
  const appIds = [
    '00000002-0000-0ff1-ce00-000000000000',
    '00000003-0000-0ff1-ce00-000000000000',
    '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
    '89bee1f7-5e6e-4d8a-9f3d-ecd601259da7',
    s.guid(),
  ];
  const servers: string[] = [];
  for (let i = 0; i < 6; i++) servers.push(`${s.pick(['AM6PR01', 'DB8PR04', 'SN6PR11', 'BY5PR12'])}MB${1000 + s.int(9000)}`);
  return { tenantId, domain, short, users, sites, appIds, servers };
}

export function ipv4(s: Stream): string {
  const nets = ['192.0.2.', '198.51.100.', '203.0.113.'];
  return `${s.pick(nets)}${1 + s.int(254)}`;
}

export function ipv6(s: Stream): string {
  return `2001:db8:${(s.next() & 0xffff).toString(16)}:${(s.next() & 0xffff).toString(16)}::${(1 + (s.next() & 0xfff)).toString(16)}`;
}

/** Mostly IPv4, sometimes IPv6. */
export function ip(s: Stream): string {
  return s.chance(0.2) ? ipv6(s) : ipv4(s);
}

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17425; Pro)',
  'OneDriveMpc-Transform_Thumbnail/1.0',
  'Microsoft SkyDriveSync 24.065.0331.0001 ship; Windows NT 10.0 (19045)',
];

export const FILE_NAMES = ['Q3 Forecast.xlsx', 'Board Minutes.docx', 'roadmap.pptx', 'Contract-Draft.pdf', 'payroll_2024.csv', 'Design Spec v2.docx', 'team photo.png', 'notes.txt', 'Customer List.xlsx', 'budget.xlsx'];

export function ext(file: string): string {
  const i = file.lastIndexOf('.');
  return i < 0 ? '' : file.slice(i + 1);
}

const TWO: string[] = [];
for (let i = 0; i < 60; i++) TWO.push(String(i).padStart(2, '0'));
let dayKey = NaN;
let dayPrefix = '';

/** `YYYY-MM-DDTHH:MM:SS` without zone. Hot path: the date part is cached, the time is arithmetic. */
export function wireTime(ms: number): string {
  const day = Math.floor(ms / 86400_000);
  if (day !== dayKey) {
    dayKey = day;
    dayPrefix = new Date(day * 86400_000).toISOString().slice(0, 11);
  }
  const sec = Math.floor((ms - day * 86400_000) / 1000);
  return `${dayPrefix}${TWO[Math.floor(sec / 3600)]}:${TWO[Math.floor(sec / 60) % 60]}:${TWO[sec % 60]}`;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** A string as a JSON string literal (quotes included); escapes only when needed. */
export function str(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/** Fields every record starts with (management-api.md §6.1). Ends without a trailing comma. */
export function commonHead(ctx: RecordContext, recordType: number, operation: string, workload: string, userId: string, userKey: string, userType: number, resultStatus?: string): string {
  const rs = resultStatus === undefined ? '' : `,"ResultStatus":"${resultStatus}"`;
  return `"CreationTime":"${ctx.creationTime}","Id":"${ctx.id}","Operation":"${operation}","OrganizationId":"${ctx.tenant.tenantId}","RecordType":${recordType}${rs},"UserKey":${q(userKey)},"UserType":${userType},"Version":1,"Workload":"${workload}","UserId":${q(userId)}`;
}

export function appAccessContext(s: Stream, ctx: RecordContext): string {
  return `"AppAccessContext":{"AADSessionId":"${s.guid()}","ClientAppId":"${s.pick(ctx.tenant.appIds)}","CorrelationId":"${s.guid()}","IssuedAtTime":"${wireTime(ctx.creationMs - 60_000 * (1 + s.int(50)))}","UniqueTokenId":"${guid(s.next(), s.next(), s.next(), s.next()).replace(/-/g, '').slice(0, 22)}"}`;
}

/** A value known to need no escaping (our own pools: no quotes, backslashes or control characters). */
export function q(v: string): string {
  return `"${v}"`;
}
