import { describe, expect, it } from 'vitest';
import { isLoopbackHost, UrlGuard } from './url-guard.js';

const PID = '99999999-8888-7777-6666-555555555555';

describe('UrlGuard', () => {
  const g = new UrlGuard('https://manage.office.com', PID);

  it.each([
    ['https://manage.office.com/api/v1.0/t/activity/feed/audit/x$y', undefined],
    ['https://MANAGE.Office.COM/api/v1/t/x', undefined],
    ['https://manage.office.com:443/api', undefined],
    ['http://manage.office.com/api', 'scheme'],
    ['https://manage.office.com:8443/api', 'host or port'],
    ['https://manage.office.com.evil.net/api', 'host or port'],
    ['https://evil.net/api?x=https://manage.office.com/', 'host or port'],
    ['https://manage.office.com@evil.net/api', 'credentials'],
    ['https://user:pw@manage.office.com/api', 'credentials'],
    ['/api/v1.0/relative', 'not an absolute URL'],
    ['javascript:alert(1)', 'scheme'],
  ])('%s → %s', (url, reason) => {
    const r = g.refusal(url);
    if (reason === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(reason);
  });

  it('allows http only when api_url itself is http on a loopback host', () => {
    expect(new UrlGuard('http://127.0.0.1:8080', PID).refusal('http://127.0.0.1:8080/x')).toBeUndefined();
    expect(new UrlGuard('http://127.0.0.1:8080', PID).refusal('https://127.0.0.1:8080/x')).toContain('scheme');
    expect(new UrlGuard('http://[::1]:8080', PID).refusal('http://[::1]:8080/x')).toBeUndefined();
    expect(() => new UrlGuard('http://manage.office.com', PID)).toThrow(/loopback/);
    expect(() => new UrlGuard('http://10.0.0.1', PID)).toThrow(/loopback/);
  });

  it('recognises loopback hosts', () => {
    expect(['127.0.0.1', '127.9.8.7', 'localhost', 'LOCALHOST', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['128.0.0.1', '10.0.0.1', 'localhost.evil.net', '::2'].some(isLoopbackHost)).toBe(false);
  });

  it('appends PublisherIdentifier textually, keeping $ and the rest verbatim', () => {
    const uri = 'https://manage.office.com/api/v1.0/t/activity/feed/audit/20240301$20240301$audit_exchange$Audit_Exchange$emea0036';
    expect(g.withPublisher(uri)).toBe(`${uri}?PublisherIdentifier=${PID}`);
    expect(g.withPublisher(`${uri}?nextPage=a%2Bb`)).toBe(`${uri}?nextPage=a%2Bb&PublisherIdentifier=${PID}`);
    expect(g.withPublisher(`${uri}?`)).toBe(`${uri}?PublisherIdentifier=${PID}`);
    expect(g.withPublisher(`${uri}?a=1&`)).toBe(`${uri}?a=1&PublisherIdentifier=${PID}`);
    expect(g.withPublisher(`${uri}?a=1#frag`)).toBe(`${uri}?a=1&PublisherIdentifier=${PID}`);
  });

  it('does not add PublisherIdentifier twice (case-insensitive), nor match a look-alike parameter', () => {
    const u = 'https://manage.office.com/x?publisheridentifier=abc&b=1';
    expect(g.withPublisher(u)).toBe(u);
    expect(g.withPublisher('https://manage.office.com/x?NotPublisherIdentifier=1')).toBe(`https://manage.office.com/x?NotPublisherIdentifier=1&PublisherIdentifier=${PID}`);
  });
});
