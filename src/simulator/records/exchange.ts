// Audit.Exchange records: admin cmdlets (RecordType 1) and mailbox audit (2 ExchangeItem,
// 3 ExchangeItemGroup, 50 MailItemsAccessed), with ClientIPAddress, Item and LogonType.

import { type Stream, hexString as hex } from '../rng.js';
import { type RecordContext, type TenantUser, commonHead, ip, q, str } from './common.js';

const CMDLETS: ReadonlyArray<[string, ReadonlyArray<[string, string]>]> = [
  ['Set-Mailbox', [['Identity', '{u}'], ['ForwardingSmtpAddress', 'smtp:archive@example.net'], ['DeliverToMailboxAndForward', 'True']]],
  ['New-InboxRule', [['Mailbox', '{u}'], ['Name', 'Move to RSS'], ['MoveToFolder', 'RSS Feeds'], ['SubjectContainsWords', 'invoice']]],
  ['Add-MailboxPermission', [['Identity', '{u}'], ['User', '{v}'], ['AccessRights', 'FullAccess'], ['InheritanceType', 'All']]],
  ['Set-AdminAuditLogConfig', [['UnifiedAuditLogIngestionEnabled', 'True']]],
  ['Set-TransportRule', [['Identity', 'Block external forwarding'], ['Priority', '0']]],
];
const ITEM_OPS = ['Create', 'Send', 'Update', 'MoveToDeletedItems', 'SoftDelete', 'SendAs'];
const GROUP_OPS = ['MoveToDeletedItems', 'HardDelete', 'SoftDelete', 'Move'];
const FOLDERS = ['\\Inbox', '\\Sent Items', '\\Drafts', '\\Deleted Items', '\\Archive', '\\Inbox\\Projects'];
const SUBJECTS = ['Quarterly results', 'Re: contract renewal', 'Lunch on Friday?', 'Invoice 4471', 'Your password expires soon', 'FW: roadmap'];
const CLIENTS = ['Client=OWA;Action=ViaProxy', 'Client=MSExchangeRPC', 'Client=REST;Client=RESTSystem;;', 'Client=WebServices;Action=ConfigureGroupMailbox', 'Client=OutlookService;Outlook-iOS/2.0;'];

function mailboxFields(s: Stream, ctx: RecordContext, owner: TenantUser, addr: string, logonType: number): string {
  return `"ClientIP":"${addr}","ClientIPAddress":"${addr}","ClientInfoString":"${s.pick(CLIENTS)}","ExternalAccess":false,"InternalLogonType":${logonType},"LogonType":${logonType},"LogonUserSid":"${owner.sid}","MailboxGuid":"${s.guid()}","MailboxOwnerSid":"${owner.sid}","MailboxOwnerUPN":"${owner.upn}","OrganizationName":"${ctx.tenant.domain}","OriginatingServer":"${s.pick(ctx.tenant.servers)} (15.20.${7000 + s.int(400)}.${s.int(40)})\\r\\n"`;
}

function itemId(s: Stream): string {
  return `RgAAAAD${hex(s, 16).toUpperCase()}BwC${hex(s, 10)}AAAAAAEMAAAJ`;
}

function folder(s: Stream): string {
  return `{"Id":"LgAAAAD${hex(s, 16).toUpperCase()}AQC","Path":${str(s.pick(FOLDERS))}}`;
}

function messageId(s: Stream, ctx: RecordContext): string {
  return `<${hex(s, 12).toUpperCase()}@${s.pick(ctx.tenant.servers)}.eurprd01.prod.example.com>`;
}

function admin(s: Stream, ctx: RecordContext): string {
  const actor = s.pick(ctx.tenant.users);
  const target = s.pick(ctx.tenant.users);
  const other = s.pick(ctx.tenant.users);
  const [cmdlet, params] = s.pick(CMDLETS);
  const p = params.map(([n, v]) => `{"Name":"${n}","Value":${q(v.replace('{u}', target.upn).replace('{v}', other.upn))}}`).join(',');
  const head = commonHead(ctx, 1, cmdlet, 'Exchange', actor.upn, actor.puid, 2, 'True');
  return `{${head},"ClientIP":"${ip(s)}:${1024 + s.int(60000)}","ObjectId":"${target.upn}","AppId":"${s.pick(ctx.tenant.appIds)}","ClientAppId":"","ExternalAccess":false,"OrganizationName":"${ctx.tenant.domain}","OriginatingServer":"${s.pick(ctx.tenant.servers)} (15.20.${7000 + s.int(400)}.${s.int(40)})","Parameters":[${p}],"SessionId":"${s.guid()}"}`;
}

function item(s: Stream, ctx: RecordContext): string {
  const owner = s.pick(ctx.tenant.users);
  const logonType = s.chance(0.8) ? 0 : s.pick([1, 2]);
  const actor = logonType === 0 ? owner : s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 2, s.pick(ITEM_OPS), 'Exchange', actor.upn, actor.puid, logonType === 1 ? 2 : 0, 'Succeeded');
  return `{${head},${mailboxFields(s, ctx, owner, ip(s), logonType)},"Item":{"Id":"${itemId(s)}","InternetMessageId":"${messageId(s, ctx)}","IsRecord":false,"ParentFolder":${folder(s)},"SizeInBytes":${2000 + s.int(900000)},"Subject":${q(s.pick(SUBJECTS))}}}`;
}

function group(s: Stream, ctx: RecordContext): string {
  const owner = s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 3, s.pick(GROUP_OPS), 'Exchange', owner.upn, owner.puid, 0, 'Succeeded');
  const n = 1 + s.int(3);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(`{"Attachments":"","Id":"${itemId(s)}","InternetMessageId":"${messageId(s, ctx)}","ParentFolder":${folder(s)},"Subject":${q(s.pick(SUBJECTS))}}`);
  return `{${head},${mailboxFields(s, ctx, owner, ip(s), 0)},"AffectedItems":[${items.join(',')}],"CrossMailboxOperation":false,"Folder":${folder(s)}}`;
}

function accessed(s: Stream, ctx: RecordContext): string {
  const owner = s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 50, 'MailItemsAccessed', 'Exchange', owner.upn, owner.puid, 0, 'Succeeded');
  const n = 1 + s.int(3);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(`{"InternetMessageId":"${messageId(s, ctx)}","SizeInBytes":${3000 + s.int(200000)}}`);
  const f = `{"FolderItems":[${items.join(',')}],"Id":"LgAAAAD${hex(s, 16).toUpperCase()}","Path":${str(s.pick(FOLDERS))}}`;
  return `{${head},${mailboxFields(s, ctx, owner, ip(s), 0)},"OperationCount":${n},"OperationProperties":[{"Name":"MailAccessType","Value":"${s.chance(0.7) ? 'Bind' : 'Sync'}"},{"Name":"IsThrottled","Value":"False"}],"Folders":[${f}],"SessionId":"${s.guid()}"}`;
}

export function exchangeRecord(s: Stream, ctx: RecordContext): string {
  const r = s.int(100);
  if (r < 15) return admin(s, ctx);
  if (r < 60) return item(s, ctx);
  if (r < 75) return group(s, ctx);
  return accessed(s, ctx);
}
