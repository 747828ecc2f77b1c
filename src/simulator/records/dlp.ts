// DLP.All records: SharePoint/OneDrive (11), Exchange (13) and endpoint (63) rule matches with
// PolicyDetails and SharePointMetaData / ExchangeMetaData.

import { type Stream, hexString as hex } from '../rng.js';
import { type RecordContext, FILE_NAMES, commonHead, ext, ipv4, q, str } from './common.js';

/** Sensitive information types; also served by `resources/dlpSensitiveTypes`. */
export const SENSITIVE_TYPES: ReadonlyArray<{ id: string; name: string }> = [
  { id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085', name: 'Credit Card Number' },
  { id: 'a44669fe-0d48-453d-a9b1-2cc83f2cba77', name: 'U.S. Social Security Number (SSN)' },
  { id: 'e55e2a32-f92d-4985-a35d-a0b269eb687b', name: 'International Banking Account Number (IBAN)' },
  { id: 'cb353f78-2b72-4c3c-8827-92ebe4f69fdf', name: 'ABA Routing Number' },
  { id: '419f449f-6d9d-4be1-a154-b531f7a91b41', name: 'EU Debit Card Number' },
  { id: 'b8fe86d1-c056-453b-bfaa-9fe698699ecc', name: 'U.S. Bank Account Number' },
];
const POLICIES = ['U.S. Financial Data', 'GDPR Enhanced', 'PCI DSS', 'Confidential Projects'];

function policyDetails(s: Stream, location?: string): string {
  const st = s.pick(SENSITIVE_TYPES);
  const loc = location === undefined ? '' : `,"Location":"${location}"`;
  const policy = s.pick(POLICIES);
  const sev = s.pick(['Low', 'Medium', 'High']);
  return `"PolicyDetails":[{"PolicyId":"${s.guid()}","PolicyName":${q(policy)},"Rules":[{"ActionParameters":[],"Actions":["NotifyUser"${sev === 'High' ? ',"BlockAccess"' : ''}],"ConditionsMatched":{"SensitiveInformation":[{"Confidence":${s.pick([65, 75, 85])},"Count":${1 + s.int(20)}${loc},"SensitiveType":"${st.id}","UniqueCount":1}]},"RuleId":"${s.guid()}","RuleMode":"Enable","RuleName":${q(`${sev} volume of content detected ${policy}`)},"Severity":"${sev}"}]}]`;
}

function sharePoint(s: Stream, ctx: RecordContext): string {
  const owner = s.pick(ctx.tenant.users);
  const oneDrive = s.chance(0.4);
  const agent = oneDrive ? 'DlpPolicyEventBasedAssistantOneDriveForBusiness' : 'DlpPolicyEventBasedAssistantSharePoint';
  const head = commonHead(ctx, 11, s.chance(0.9) ? 'DLPRuleMatch' : 'DLPRuleUndo', oneDrive ? 'OneDrive' : 'SharePoint', agent, agent, 4);
  const site = s.pick(ctx.tenant.sites);
  const file = s.pick(FILE_NAMES);
  const uid = s.guid();
  return `{${head},"IncidentId":"${s.guid()}","ObjectId":"${uid}",${policyDetails(s)},"SensitiveInfoDetectionIsIncluded":false,"SharePointMetaData":{"FileName":${q(file)},"FileOwner":"${owner.display}","FilePathUrl":${q(`${site}/Shared Documents/${encodeURIComponent(file)}`)},"From":"${owner.upn.toUpperCase()}","ItemCreationTime":"${ctx.creationTime}","ItemLastModifiedTime":"${ctx.creationTime}","SiteCollectionGuid":"${s.guid()}","SiteCollectionUrl":"${site}","UniqueID":"${uid}"}}`;
}

function exchange(s: Stream, ctx: RecordContext): string {
  const from = s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 13, 'DlpRuleMatch', 'Exchange', 'DlpAgent', `${1000000000000000000 + s.int(999999999)}`, 4);
  const msg = `<${hex(s, 16).toUpperCase()}@mail.example.com>`;
  return `{${head},"IncidentId":"${s.guid()}","ObjectId":"${msg}",${policyDetails(s, 'Message Body')},"SensitiveInfoDetectionIsIncluded":false,"ExchangeMetaData":{"BCC":[],"CC":[],"FileSize":${5000 + s.int(100000)},"From":"${from.upn}","MessageID":"${msg}","RecipientCount":1,"Sent":"${ctx.creationTime}","Subject":${q(s.pick(['Customer export', 'Card details', 'Payroll', 'Re: account numbers']))},"To":["${s.chance(0.5) ? 'partner@example.org' : s.pick(ctx.tenant.users).upn}"],"UniqueID":"${s.guid()}"}}`;
}

function endpoint(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const op = s.pick(['FileCopiedToRemovableMedia', 'FileUploadedToCloud', 'FilePrinted', 'FileCopiedToClipboard']);
  const head = commonHead(ctx, 63, op, 'Endpoint', u.upn, u.objectId, 0);
  const file = s.pick(FILE_NAMES);
  const st = s.pick(SENSITIVE_TYPES);
  return `{${head},"ClientIP":"${ipv4(s)}","DeviceName":"WS-${(s.next() & 0xffff).toString(16).toUpperCase()}.corp.example.com","Platform":1,"Application":"${s.pick(['explorer.exe', 'msedge.exe', 'chrome.exe', 'WINWORD.EXE'])}","FileExtension":"${ext(file)}","FileSize":${1000 + s.int(5000000)},"FileType":"${ext(file)}","ObjectId":${str(`C:\\Users\\${u.display.replace(' ', '')}\\Documents\\${file}`)},"SourceLocationType":1,"EnforcementMode":${s.pick([1, 3, 4])},"RMSEncrypted":false,"Sha1":"${hex(s, 16)}0000000","Sha256":"${hex(s, 16)}${hex(s, 16)}","PolicyMatchInfo":{"PolicyId":"${s.guid()}","PolicyName":${q(s.pick(POLICIES))},"RuleId":"${s.guid()}","RuleName":"Block removable media"},"SensitiveInfoTypeData":[{"SensitiveInfoTypeId":"${st.id}","Count":${1 + s.int(10)},"Confidence":85,"SensitiveInfoTypeName":${q(st.name)}}]}`;
}

export function dlpRecord(s: Stream, ctx: RecordContext): string {
  const r = s.int(100);
  if (r < 45) return sharePoint(s, ctx);
  if (r < 85) return exchange(s, ctx);
  return endpoint(s, ctx);
}
