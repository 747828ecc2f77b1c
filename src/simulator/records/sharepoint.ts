// Audit.SharePoint records: page views (4), file operations (6) and sharing (14) on SharePoint and
// OneDrive. ClientIP comes as IPv4, IPv6, `ip:port` and `[v6]:port`, as collectors meet it.

import type { Stream } from '../rng.js';
import { type RecordContext, FILE_NAMES, USER_AGENTS, commonHead, ext, ipv4, ipv6, q, str } from './common.js';

const FILE_OPS = ['FileAccessed', 'FileDownloaded', 'FileModified', 'FileUploaded', 'FileDeleted', 'FilePreviewed'];
const SHARING_OPS = ['SharingSet', 'SharingInvitationCreated', 'AddedToGroup', 'AnonymousLinkCreated', 'CompanyLinkCreated'];

function clientIp(s: Stream): string {
  const r = s.int(10);
  if (r < 6) return ipv4(s);
  if (r < 8) return ipv6(s);
  if (r < 9) return `${ipv4(s)}:${1024 + s.int(60000)}`;
  return `[${ipv6(s)}]:${1024 + s.int(60000)}`;
}

function location(s: Stream, ctx: RecordContext): { site: string; oneDrive: boolean } {
  const oneDrive = s.chance(0.3);
  if (!oneDrive) return { site: s.pick(ctx.tenant.sites), oneDrive };
  const u = s.pick(ctx.tenant.users);
  return { site: `https://${ctx.tenant.short}-my.sharepoint.example.com/personal/${u.upn.replace(/[@.]/g, '_')}`, oneDrive };
}

function base(s: Stream, ctx: RecordContext, recordType: number, op: string): { head: string; site: string; addr: string } {
  const u = s.pick(ctx.tenant.users);
  const { site, oneDrive } = location(s, ctx);
  const head = commonHead(ctx, recordType, op, oneDrive ? 'OneDrive' : 'SharePoint', u.upn, `i:0h.f|membership|${u.puid.toLowerCase()}@live.com`, 0);
  return { head, site, addr: clientIp(s) };
}

function fileOp(s: Stream, ctx: RecordContext): string {
  const { head, site, addr } = base(s, ctx, 6, s.pick(FILE_OPS));
  const file = s.pick(FILE_NAMES);
  const folder = s.chance(0.5) ? 'Shared Documents' : 'Shared Documents/Projects';
  return `{${head},"ClientIP":"${addr}","CorrelationId":"${s.guid()}","EventSource":"SharePoint","ItemType":"File","ListId":"${s.guid()}","ListItemUniqueId":"${s.guid()}","ObjectId":${q(`${site}/${folder}/${file}`)},"Site":"${s.guid()}","SiteUrl":"${site}/","SourceFileExtension":"${ext(file)}","SourceFileName":${q(file)},"SourceRelativeUrl":"${folder}","UserAgent":${q(s.pick(USER_AGENTS))},"WebId":"${s.guid()}","FileSizeBytes":${1000 + s.int(5_000_000)},"GeoLocation":"EUR","IsManagedDevice":${s.chance(0.5)},"DeviceDisplayName":"${ipv4(s)}","HighPriorityMediaProcessing":false}`;
}

function pageView(s: Stream, ctx: RecordContext): string {
  const { head, site, addr } = base(s, ctx, 4, 'PageViewed');
  return `{${head},"ClientIP":"${addr}","CorrelationId":"${s.guid()}","CustomUniqueId":true,"EventSource":"SharePoint","ItemType":"Page","ListItemUniqueId":"${s.guid()}","ObjectId":"${site}/SitePages/Home.aspx","Site":"${s.guid()}","UserAgent":${q(s.pick(USER_AGENTS))},"WebId":"${s.guid()}","ExtendedProperties":[{"Name":"additionalDetails","Value":${str(`{"DeviceId":"${s.guid()}","DeviceOSType":"${s.pick(['Windows', 'Linux', 'MacOS', 'iOS'])}","DeviceTrustType":""}`)}}]}`;
}

function sharing(s: Stream, ctx: RecordContext): string {
  const op = s.pick(SHARING_OPS);
  const { head, site, addr } = base(s, ctx, 14, op);
  const target = s.pick(ctx.tenant.users);
  const file = s.pick(FILE_NAMES);
  const external = s.chance(0.2);
  return `{${head},"ClientIP":"${addr}","CorrelationId":"${s.guid()}","EventData":"<PermissionsGranted>${s.pick(['Read', 'Contribute', 'Edit'])}</PermissionsGranted>","EventSource":"SharePoint","ItemType":"File","ListId":"${s.guid()}","ListItemUniqueId":"${s.guid()}","ObjectId":${q(`${site}/Shared Documents/${file}`)},"Site":"${s.guid()}","SiteUrl":"${site}/","SourceFileExtension":"${ext(file)}","SourceFileName":${q(file)},"SourceRelativeUrl":"Shared Documents","TargetUserOrGroupName":"${external ? 'guest@partner.example.org' : target.upn}","TargetUserOrGroupType":"${external ? 'Guest' : 'Member'}","UserAgent":${q(s.pick(USER_AGENTS))},"WebId":"${s.guid()}","UniqueSharingId":"${s.guid()}"}`;
}

export function sharePointRecord(s: Stream, ctx: RecordContext): string {
  const r = s.int(100);
  if (r < 15) return pageView(s, ctx);
  if (r < 80) return fileOp(s, ctx);
  return sharing(s, ctx);
}
