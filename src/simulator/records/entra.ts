// Audit.AzureActiveDirectory records: STS sign-ins (RecordType 15, UserLoggedIn / UserLoginFailed)
// and directory admin events (RecordType 8), shaped after Entra's unified-audit records.

import type { Stream } from '../rng.js';
import { type RecordContext, USER_AGENTS, commonHead, ip, q, str } from './common.js';

const LOGON_ERRORS: ReadonlyArray<[string, string]> = [
  ['50126', 'InvalidUserNameOrPassword'],
  ['50053', 'IdsLocked'],
  ['50074', 'UserStrongAuthClientAuthNRequired'],
  ['50055', 'InvalidPasswordExpiredPassword'],
  ['530003', 'DeviceNotCompliant'],
];
const OS = ['Windows 10', 'Windows 11', 'MacOs', 'iOS', 'Android', 'Linux'];
const BROWSERS = ['Edge', 'Chrome', 'Firefox', 'Safari', 'Rich Client'];
const REQUEST_TYPES = ['OAuth2:Authorize', 'OAuth2:Token', 'Login:login', 'SAS:ProcessAuth', 'Kmsi:kmsi'];
const ADMIN_OPS: ReadonlyArray<[string, string, string]> = [
  ['Add user.', 'AccountEnabled', 'true'],
  ['Update user.', 'Department', 'Finance'],
  ['Add member to role.', 'Role.DisplayName', 'Global Reader'],
  ['Reset user password.', 'PasswordPolicies', 'None'],
  ['Add service principal.', 'AppAddress', 'https://app.example.com/callback'],
];

function signIn(s: Stream, ctx: RecordContext): string {
  const u = s.pick(ctx.tenant.users);
  const failed = s.chance(0.15);
  const [errNo, errName] = failed ? s.pick(LOGON_ERRORS) : ['0', ''];
  const addr = ip(s);
  const app = s.pick(ctx.tenant.appIds);
  const head = commonHead(ctx, 15, failed ? 'UserLoginFailed' : 'UserLoggedIn', 'AzureActiveDirectory', u.upn, u.objectId, 0, failed ? 'Failed' : 'Success');
  const logonError = failed ? `,"LogonError":"${errName}"` : '';
  return `{${head},"ClientIP":"${addr}","ObjectId":"${app}","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"ResultStatusDetail","Value":"${failed ? 'Redirect' : 'Success'}"},{"Name":"UserAgent","Value":${q(s.pick(USER_AGENTS))}},{"Name":"UserAuthenticationMethod","Value":"${1 + s.int(3)}"},{"Name":"RequestType","Value":"${s.pick(REQUEST_TYPES)}"}],"ModifiedProperties":[],"Actor":[{"ID":"${u.objectId}","Type":0},{"ID":"${u.upn}","Type":5}],"ActorContextId":"${ctx.tenant.tenantId}","ActorIpAddress":"${addr}","InterSystemsId":"${s.guid()}","IntraSystemId":"${s.guid()}","SupportTicketId":"","Target":[{"ID":"${app}","Type":0}],"TargetContextId":"${ctx.tenant.tenantId}","ApplicationId":"${app}","DeviceProperties":[{"Name":"OS","Value":"${s.pick(OS)}"},{"Name":"BrowserType","Value":"${s.pick(BROWSERS)}"},{"Name":"IsCompliant","Value":"${s.chance(0.6) ? 'True' : 'False'}"},{"Name":"IsCompliantAndManaged","Value":"False"},{"Name":"SessionId","Value":"${s.guid()}"}],"ErrorNumber":"${errNo}"${logonError}}`;
}

function adminOp(s: Stream, ctx: RecordContext): string {
  const actor = s.pick(ctx.tenant.users);
  const target = s.pick(ctx.tenant.users);
  const [op, prop, value] = s.pick(ADMIN_OPS);
  const head = commonHead(ctx, 8, op, 'AzureActiveDirectory', actor.upn, actor.puid, 0, 'Success');
  return `{${head},"ClientIP":null,"ObjectId":"${target.upn}","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"additionalDetails","Value":"{}"},{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[{"Name":"${prop}","NewValue":${str(`[\r\n  "${value}"\r\n]`)},"OldValue":"[]"},{"Name":"Included Updated Properties","NewValue":"${prop}","OldValue":""}],"Actor":[{"ID":"${actor.upn}","Type":5},{"ID":"${actor.puid}","Type":3},{"ID":"User_${actor.objectId}","Type":2}],"ActorContextId":"${ctx.tenant.tenantId}","InterSystemsId":"${s.guid()}","IntraSystemId":"${s.guid()}","SupportTicketId":"","Target":[{"ID":"User_${target.objectId}","Type":2},{"ID":"${target.objectId}","Type":2},{"ID":"${target.upn}","Type":5}],"TargetContextId":"${ctx.tenant.tenantId}"}`;
}

export function entraRecord(s: Stream, ctx: RecordContext): string {
  return s.chance(0.8) ? signIn(s, ctx) : adminOp(s, ctx);
}
