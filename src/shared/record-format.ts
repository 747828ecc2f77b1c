// Record formatters shared by the outputs (file, stdout, http, kafka). `wazuh` wraps a record the way
// Wazuh's own office365 module does, so the stock ruleset (0755-office365_rules.xml) matches it.
// The record text is spliced, never re-serialised: field values stay byte-for-byte as the API sent them.

/** How a record is written on one line: as received (`raw`) or wrapped for Wazuh (`wazuh`). */
export type RecordFormat = 'raw' | 'wazuh';

export const RECORD_FORMATS: readonly RecordFormat[] = ['raw', 'wazuh'];

/**
 * Wazuh's logcollector and module queue cut messages at OS_MAXSTR (65536 bytes); a longer line
 * reaches analysisd as truncated, undecodable JSON. Callers may warn on lines over this.
 */
export const WAZUH_MAX_LINE_BYTES = 65_536;

const PREFIX = '{"integration":"office365","office365":';

/**
 * `{"integration":"office365","office365":{...record,"Subscription":"<content type>"}}`, the
 * shape Wazuh's wm_office365 sends (it adds `Subscription` as the last key of the record).
 * `raw` must be one JSON object's text (as the API returned it); surrounding whitespace is dropped.
 */
export function formatWazuh(raw: string, meta: { contentType: string }): string {
  let end = raw.length - 1;
  while (end >= 0 && isSpace(raw.charCodeAt(end))) end--;
  let start = 0;
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  if (end <= start || raw.charCodeAt(start) !== 0x7b /* { */ || raw.charCodeAt(end) !== 0x7d /* } */) {
    throw new TypeError('formatWazuh: the record is not a JSON object text');
  }
  // An empty object `{}` (or `{ }`) takes no separating comma.
  let inner = end - 1;
  while (inner > start && isSpace(raw.charCodeAt(inner))) inner--;
  const sep = inner === start ? '' : ',';
  return `${PREFIX}${raw.slice(start, end)}${sep}"Subscription":${JSON.stringify(meta.contentType)}}}`;
}

/** The line to write for one record in the given format. */
export function formatRecord(format: RecordFormat, raw: string, meta: { contentType: string }): string {
  return format === 'wazuh' ? formatWazuh(raw, meta) : raw;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
