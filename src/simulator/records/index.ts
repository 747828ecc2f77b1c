// One generator per content type; records are pure functions of their Stream and context.

import type { ContentType } from '../types.js';
import type { RecordGenerator } from './common.js';
import { dlpRecord } from './dlp.js';
import { entraRecord } from './entra.js';
import { exchangeRecord } from './exchange.js';
import { generalRecord } from './general.js';
import { sharePointRecord } from './sharepoint.js';

export const GENERATORS: Readonly<Record<ContentType, RecordGenerator>> = {
  'Audit.AzureActiveDirectory': entraRecord,
  'Audit.Exchange': exchangeRecord,
  'Audit.SharePoint': sharePointRecord,
  'Audit.General': generalRecord,
  'DLP.All': dlpRecord,
};

export { SENSITIVE_TYPES } from './dlp.js';
export { type TenantProfile, tenantProfile } from './common.js';
