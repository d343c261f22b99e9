/** The client's pure parts: base URL, key shape, back-off, Retry-After, pacing. */
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  checkApiKey,
  DEFAULT_COMPLYCUBE_API_URL,
  parseRetryAfterMs,
  redactKey,
  resolveApiBaseUrl,
  slidingWindowPacer,
} from '../../functions/complycube-api/index.js';

describe('resolveApiBaseUrl', () => {
  it('defaults to the real API', () => {
    expect(resolveApiBaseUrl(undefined)).toBe(DEFAULT_COMPLYCUBE_API_URL);
    expect(resolveApiBaseUrl('  ')).toBe(DEFAULT_COMPLYCUBE_API_URL);
  });

  it.each([
    'http://127.0.0.1:4010/v1',
    'http://127.8.9.10/v1',
    'http://localhost:4010/v1',
    'http://[::1]:4010/v1',
    'https://proxy.example.com/complycube/v1/',
  ])('accepts %s', (url) => {
    expect(resolveApiBaseUrl(url)).toBe(url.replace(/\/$/, ''));
  });

  it.each([
    ['http://api.complycube.com/v1', /not loopback/],
    ['http://10.0.0.1/v1', /not loopback/],
    ['http://localhost.evil.com/v1', /not loopback/],
    ['ftp://127.0.0.1/v1', /https/],
    ['not a url', /is not a URL/],
    ['https://user:pw@example.com/v1', /credentials/],
    ['https://example.com/v1?x=1', /without/],
  ])('refuses %s with a message that says why', (url, why) => {
    expect(() => resolveApiBaseUrl(url)).toThrow(why);
  });
});

describe('checkApiKey', () => {
  it('tells a sandbox key from a live one and trims it', () => {
    expect(checkApiKey(' test_abcdefgh\n')).toEqual({ key: 'test_abcdefgh', kind: 'test' });
    expect(checkApiKey('live_abcdefgh')).toEqual({ key: 'live_abcdefgh', kind: 'live' });
  });

  it.each(['', 'test_', 'Bearer test_abcdefgh', 'test_abc defgh', 'prod_abcdefgh'])('refuses %j', (key) => {
    expect(() => checkApiKey(key)).toThrow(/ComplyCube API key/);
  });

  it('redacts the key from a text', () => {
    expect(redactKey('bad key test_abc and test_abc', 'test_abc')).toBe('bad key [api key] and [api key]');
  });
});

describe('back-off', () => {
  it('doubles the ceiling per retry up to the maximum, with full jitter', () => {
    const top = (attempt: number) =>
      backoffDelayMs(attempt, { baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(top)).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, { baseMs: 100, maxMs: 1000, random: () => 0 })).toBe(0);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('0.5', now)).toBe(500);
    expect(parseRetryAfterMs('Sat, 05 Dec 2026 12:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('slidingWindowPacer', () => {
  it('lets 5 requests start at once and the 6th one second (and the margin) after the first', async () => {
    let t = 0;
    const waits: number[] = [];
    const pacer = slidingWindowPacer({
      perSecond: 5,
      marginMs: 25,
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    const started: number[] = [];
    for (let n = 0; n < 7; n++) {
      await pacer.take();
      started.push(t);
    }
    expect(started).toEqual([0, 0, 0, 0, 0, 1025, 1025]);
    // No window of 1000 ms holds more than 5 starts.
    for (const s of started)
      expect(started.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(5);
  });
});
