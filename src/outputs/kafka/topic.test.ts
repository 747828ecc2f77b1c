import { describe, expect, it } from 'vitest';
import { topicFor } from './topic.js';

const meta = { tenantId: '00000000-0000-0000-0000-00000000000a', contentType: 'Audit.Exchange', contentId: 'c' };

describe('topicFor', () => {
  it('fills {tenant_id}, {tenant} (label, else id) and {content_type}', () => {
    expect(topicFor('o365', meta)).toBe('o365');
    expect(topicFor('o365.{content_type}', meta)).toBe('o365.Audit.Exchange');
    expect(topicFor('{tenant}-{content_type}', meta)).toBe('00000000-0000-0000-0000-00000000000a-Audit.Exchange');
    expect(topicFor('{tenant}-{tenant_id}', { ...meta, tenant: 'acme' })).toBe('acme-00000000-0000-0000-0000-00000000000a');
  });

  it('replaces characters Kafka does not allow, and keeps within 249 characters', () => {
    expect(topicFor('o365.{tenant}', { ...meta, tenant: 'Contoso EU/1 é' })).toBe('o365.Contoso_EU_1__');
    expect(topicFor('{tenant}', { ...meta, tenant: 'x'.repeat(300) })).toHaveLength(249);
  });
});
