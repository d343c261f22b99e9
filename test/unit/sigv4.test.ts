/**
 * The receiver's own SigV4 signer signs exactly as the AWS SDK's signer (`@smithy/signature-v4`)
 * does, for the requests it makes: header-signed, whole body in hand, no query string.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Credentials, signRequest } from '../../functions/receiver/adapters/sigv4.js';

/** SHA-256 for the SDK's signer, from node:crypto. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    const secret = this.secret;
    if (secret === undefined) return createHash('sha256');
    if (typeof secret === 'string') return createHmac('sha256', secret);
    const key = ArrayBuffer.isView(secret)
      ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
      : Buffer.from(secret);
    return createHmac('sha256', key);
  }
}

interface Case {
  readonly method: 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly service: string;
  readonly region: string;
  readonly credentials: Credentials;
  readonly date: Date;
}

/** The SDK signer's headers for the case, signed as `signed-request.ts` used to call it. */
async function sdkSigned(c: Case): Promise<Record<string, string>> {
  const url = new URL(c.url);
  const signer = new SignatureV4({
    credentials: c.credentials,
    region: c.region,
    service: c.service,
    sha256: Sha256,
    uriEscapePath: c.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: c.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: {},
      headers: { ...c.headers, host: url.host },
      body: c.body,
    },
    { signingDate: c.date },
  );
  return Object.fromEntries(
    Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function ours(c: Case): Record<string, string> {
  return signRequest({ ...c, url: new URL(c.url) });
}

const DATE = new Date('2026-11-22T02:38:46.123Z');
const KEYS: Credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('signRequest', () => {
  it('signs a Secrets Manager call as the SDK does, with and without a session token', async () => {
    const body = Buffer.from(
      JSON.stringify({ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x' }),
    );
    for (const credentials of [KEYS, { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjE//token==' }]) {
      const c: Case = {
        method: 'POST',
        url: 'https://secretsmanager.eu-west-1.amazonaws.com/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
          'content-length': String(body.length),
        },
        body,
        service: 'secretsmanager',
        region: 'eu-west-1',
        credentials,
        date: DATE,
      };
      const signed = ours(c);
      expect(signed).toEqual(await sdkSigned(c));
      expect(signed.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date(;x-amz-security-token)?;x-amz-target, Signature=[0-9a-f]{64}$/,
      );
      expect(signed['x-amz-date']).toBe('20261122T023846Z');
    }
  });

  it('signs an S3 PUT as the SDK does: the path as sent, the payload hash from its header', async () => {
    const body = Buffer.from('{"big":true}');
    const c: Case = {
      method: 'PUT',
      url: 'http://127.0.0.1:4566/payload-bucket/complycube/2026-11-22/evt%20one%2Bplus.json',
      headers: {
        'content-type': 'application/json',
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
        'content-length': String(body.length),
      },
      body,
      service: 's3',
      region: 'us-east-1',
      credentials: { ...KEYS, sessionToken: 'token' },
      date: DATE,
    };
    expect(ours(c)).toEqual(await sdkSigned(c));
  });

  it('leaves the headers proxies may change unsigned, as the SDK does', async () => {
    const c: Case = {
      method: 'POST',
      url: 'https://secretsmanager.eu-west-1.amazonaws.com/',
      headers: {
        'User-Agent': 'receiver',
        'X-Amzn-Trace-Id': 'Root=1-abc',
        'Proxy-Authorization': 'Basic x',
        'Sec-Fetch-Mode': 'cors',
        'Content-Type': 'a  b   c',
      },
      body: Buffer.from('{}'),
      service: 'secretsmanager',
      region: 'eu-west-1',
      credentials: KEYS,
      date: DATE,
    };
    const signed = ours(c);
    expect(signed.authorization).toContain('SignedHeaders=content-type;host;x-amz-date,');
    expect(signed).toEqual(await sdkSigned(c));
  });

  it('sends and signs one header per name, the last given when two differ only in case', () => {
    const signed = signRequest({
      method: 'POST',
      url: new URL('https://secretsmanager.eu-west-1.amazonaws.com/'),
      headers: { 'X-Amz-Target': 'first', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: Buffer.from('{}'),
      service: 'secretsmanager',
      region: 'eu-west-1',
      credentials: KEYS,
      date: DATE,
    });

    expect(Object.keys(signed).filter((name) => name.toLowerCase() === 'x-amz-target')).toEqual([
      'x-amz-target',
    ]);
    expect(signed['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(signed.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-target,');
  });

  it('agrees with the SDK on any path, header value, body, region, date and credentials', async () => {
    const segment = fc.string({
      unit: fc.constantFrom(..."abcXYZ019-_.~!*()' %+&=@:".split('')),
      maxLength: 8,
    });
    const headerValue = fc.string({
      unit: fc.constantFrom(...'ab C1-_/=+ ;,'.split('')),
      minLength: 1,
      maxLength: 16,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          service: fc.constantFrom('secretsmanager', 's3', 'events'),
          method: fc.constantFrom('POST' as const, 'PUT' as const),
          segments: fc.array(segment, { maxLength: 4 }),
          trailingSlash: fc.boolean(),
          // Any case, and the prefixes the SDK leaves unsigned (proxy-*, sec-*). Names that differ
          // only in case are a test of their own: the SDK signs one and sends both.
          headers: fc
            .dictionary(fc.stringMatching(/^(?:[Xx]|[Pp]roxy|[Ss]ec)-[a-zA-Z]{1,4}$/), headerValue, {
              maxKeys: 5,
            })
            .filter(
              (h) => new Set(Object.keys(h).map((name) => name.toLowerCase())).size === Object.keys(h).length,
            ),
          body: fc.uint8Array({ maxLength: 64 }),
          region: fc.constantFrom('eu-west-1', 'us-east-1', 'cn-north-1', 'us-gov-west-1'),
          date: fc.date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2099-12-31T23:59:59Z'),
            noInvalidDate: true,
          }),
          token: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        }),
        async (r) => {
          const path = `/${r.segments.map((s) => encodeURIComponent(s)).join('/')}${r.trailingSlash ? '/' : ''}`;
          const c: Case = {
            method: r.method,
            url: `https://host.example.com${path}`,
            headers: r.headers,
            body: Buffer.from(r.body),
            service: r.service,
            region: r.region,
            credentials: { ...KEYS, sessionToken: r.token },
            date: r.date,
          };
          expect(ours(c)).toEqual(await sdkSigned(c));
        },
      ),
      { numRuns: 300 },
    );
  });
});
