// The GUID shape (8-4-4-4-12 hex digits, any case) used for tenant, client and content ids.
export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
