// Record formatters: raw, or wrapped the way Wazuh's office365 module sends records.
export { formatRecord, formatWazuh, RECORD_FORMATS, WAZUH_MAX_LINE_BYTES, type RecordFormat } from './format.js';
export { withFormat } from './with-format.js';
