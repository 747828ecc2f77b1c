// Audit.General records: Teams (25), Power BI (20), Defender threat intelligence (28, field names
// with spaces included), Security & Compliance alerts (40, `Data` as a JSON string), Copilot (261).

import { type Stream, hexString as hex } from '../rng.js';
import { type RecordContext, FILE_NAMES, USER_AGENTS, commonHead, ip, ipv4, q, str, wireTime } from './common.js';

const TEAMS = ['Finance Team', 'Project Apollo', 'IT Support', 'Leadership', 'Sales EMEA'];
const TEAMS_OPS = ['TeamCreated', 'MemberAdded', 'ChannelAdded', 'MessageSent', 'TeamDeleted', 'MeetingParticipantDetail'];
const ALERTS: ReadonlyArray<[string, string, string]> = [
  ['Elevation of Exchange admin privilege', 'AccessGovernance', 'GrantAdminPermission'],
  ['Suspicious email sending patterns detected', 'ThreatManagement', 'SendMail'],
  ['Creation of forwarding/redirect rule', 'ThreatManagement', 'New-InboxRule'],
  ['Unusual external user file activity', 'DataGovernance', 'FileDownloaded'],
];
const VERDICTS = ['Phish', 'Malware', 'Spam', 'Bulk'];

function teams(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const m = s.pick(ctx.tenant.users);
  const op = s.pick(TEAMS_OPS);
  const head = commonHead(ctx, 25, op, 'MicrosoftTeams', u.upn, u.objectId, 0);
  const team = s.pick(TEAMS);
  return `{${head},"ClientIP":"${ip(s)}","AADGroupId":"${s.guid()}","CommunicationType":"Team","ItemName":${q(team)},"Members":[{"DisplayName":"${m.display}","Role":${s.int(3)},"UPN":"${m.upn}"}],"TeamGuid":"19:${hex(s, 16)}@thread.tacv2","TeamName":${q(team)},"ChannelGuid":"19:${hex(s, 16)}@thread.tacv2","ChannelName":"General","ChannelType":"Standard","MessageId":"${1700000000000 + s.int(99999999)}","ExtraProperties":[{"Key":"TimeZone","Value":"Europe/Amsterdam"},{"Key":"OsName","Value":"Windows"},{"Key":"Country","Value":"nl"}],"ParticipantInfo":{"HasForeignTenantUsers":${s.chance(0.1)},"HasGuestUsers":false,"HasOtherGuestUsers":false,"HasUnauthenticatedUsers":false}}`;
}

function powerBi(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const activity = s.pick(['ViewReport', 'ExportReport', 'ViewDashboard', 'ShareReport']);
  const head = commonHead(ctx, 20, activity, 'PowerBI', u.upn, u.puid, 0);
  const report = s.pick(['Sales Overview', 'Headcount', 'Pipeline', 'Spend by Vendor']);
  return `{${head},"ClientIP":"${ipv4(s)}","UserAgent":${q(s.pick(USER_AGENTS))},"Activity":"${activity}","ItemName":${q(report)},"WorkSpaceName":"${s.pick(TEAMS)}","DatasetName":${q(report)},"ReportName":${q(report)},"CapacityId":"${s.guid()}","CapacityName":"Premium Per User - Reserved","WorkspaceId":"${s.guid()}","ObjectId":${q(report)},"DatasetId":"${s.guid()}","ReportId":"${s.guid()}","ArtifactId":"${s.guid()}","ArtifactName":${q(report)},"IsSuccess":true,"ReportType":"PowerBIReport","RequestId":"${s.guid()}","ActivityId":"${s.guid()}","DistributionMethod":"Workspace","ConsumptionMethod":"Power BI Web","ArtifactKind":"Report"}`;
}

function threatIntel(s: Stream, ctx: RecordContext): string {
  const recipient = s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 28, 'TIMailData', 'ThreatIntelligence', 'ThreatIntel', 'ThreatIntel', 4);
  const nmid = s.guid();
  const verdict = s.pick(VERDICTS);
  const sender = `${s.pick(['billing', 'support', 'ceo', 'noreply'])}@${s.pick(['example.net', 'example.org', 'phish.example'])}`;
  return `{${head},"ObjectId":"${nmid}","AttachmentData":[{"FileName":"invoice.html","FileType":"html","FileVerdict":1,"MalwareFamily":"HTML/Phish","SHA256":"${hex(s, 16)}${hex(s, 16)}"}],"DetectionType":"${s.pick(['Inline', 'Delayed', 'ZAP'])}","DetectionMethod":"${s.pick(['Fingerprint matching', 'URL detonation reputation', 'File detonation', 'Spoof DMARC'])}","InternetMessageId":"<${s.guid()}@${sender.split('@')[1]}>","NetworkMessageId":"${nmid}","P1Sender":"${sender}","P2Sender":"${sender}","Policy":"${s.pick(['HighConfidencePhish', 'Phish', 'Malware', 'Spam'])}","PolicyAction":"${s.pick(['Quarantine', 'MoveToJmf', 'Delete'])}","Recipients":["${recipient.upn}"],"SenderIp":"${ipv4(s)}","Subject":${q(s.pick(['Invoice overdue', 'Your mailbox is full', 'Shared document', 'Payment confirmation']))},"Verdict":"${verdict}","MessageTime":"${wireTime(ctx.creationMs - 120_000)}","EventDeepLink":"https://security.microsoft.example.com/?hash=/threatexplorer?messageParams=${nmid}","Delivery Action":"${s.pick(['Blocked', 'Delivered', 'Replaced'])}","Original Delivery location":"Quarantine","Latest Delivery location":"Quarantine","Directionality":"Inbound","ThreatsAndDetectionTech":"[\\"${verdict}: [Fingerprint matching]\\"]","AuthDetails":[{"Name":"SPF","Value":"Fail"},{"Name":"DKIM","Value":"None"},{"Name":"DMARC","Value":"Fail"},{"Name":"Comp Auth","Value":"fail"}],"Phish Confidence Level":"${s.pick(['High', 'Normal'])}"}`;
}

function alert(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const [name, category, op] = s.pick(ALERTS);
  const head = commonHead(ctx, 40, 'AlertEntityGenerated', 'SecurityComplianceCenter', 'SecurityComplianceAlerts', 'SecurityComplianceAlerts', 4, 'Succeeded');
  const t = new Date(ctx.creationMs - 300_000).toISOString().replace('Z', '0000Z');
  const data = `{"etype":"User","eid":"${u.upn}","tid":"${ctx.tenant.tenantId}","ts":"${t}","te":"${t}","op":"${op}","tdc":"1","suid":"${u.upn}","ut":"Regular","ssic":"0","tsd":"${u.upn}","wl":"Exchange","reid":"${s.guid()}"}`;
  return `{${head},"ObjectId":"${u.upn}","AlertEntityId":"${u.upn}","AlertId":"${s.guid()}","AlertLinks":[{"AlertLinkHref":"https://security.microsoft.example.com/alerts"}],"AlertType":"System","Category":"${category}","Comments":"New alert","Data":${str(data)},"EntityType":"User","Name":${q(name)},"PolicyId":"${s.guid()}","Severity":"${s.pick(['Low', 'Medium', 'High', 'Informational'])}","Source":"Office 365 Security & Compliance","Status":"Active"}`;
}

function copilot(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const head = commonHead(ctx, 261, 'CopilotInteraction', 'Copilot', u.upn, u.objectId, 0);
  const host = s.pick(['Word', 'Outlook', 'Teams', 'BizChat', 'Excel']);
  const site = s.pick(ctx.tenant.sites);
  const file = s.pick(FILE_NAMES);
  return `{${head},"ClientIP":"${ip(s)}","CopilotEventData":{"AppHost":"${host}","Contexts":[{"Id":${q(`${site}/Shared Documents/${file}`)},"Type":"${host === 'Teams' ? 'TeamsMeeting' : 'Document'}"}],"ThreadId":"19:${hex(s, 16)}@thread.v2","MessageIds":[],"Messages":[{"Id":"${1700000000000 + s.int(99999999)}","isPrompt":true},{"Id":"${1700000000000 + s.int(99999999)}","isPrompt":false}],"AccessedResources":[{"Id":"${s.guid()}","SiteUrl":"${site}","Name":${q(file)},"Type":"File","Action":"Read","SensitivityLabelId":"${s.guid()}"}],"AISystemPlugin":[{"Id":"BingWebSearch","Name":"BingWebSearch"}],"ModelTransparencyDetails":[{"ModelName":"gpt-4o"}]},"AppIdentity":"Copilot.${host}"}`;
}

export function generalRecord(s: Stream, ctx: RecordContext): string {
  const r = s.int(100);
  if (r < 40) return teams(s, ctx);
  if (r < 55) return powerBi(s, ctx);
  if (r < 70) return threatIntel(s, ctx);
  if (r < 80) return alert(s, ctx);
  return copilot(s, ctx);
}
