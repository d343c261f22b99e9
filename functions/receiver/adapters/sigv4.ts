import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for the receiver's own requests (reading the secret, storing an oversized
 * body): a header-signed request with its whole body in hand, no query string, no chunked upload.
 * Written out rather than taken from `@smithy/signature-v4` so that the secret can be requested
 * before the rest of the bundle (the SDK's shared modules, which that signer pulls in) is even
 * evaluated; see `secret-at-load.ts`. A unit test checks it signs exactly as the SDK's signer does.
 */

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface RequestToSign {
  readonly method: string;
  /** Scheme, host, port and path; the path as it goes on the wire (already percent-encoded). */
  readonly url: URL;
  /** Signed as given (names in any case), with `host`, `x-amz-date` and the session token added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The signing name: `secretsmanager`, `s3`. */
  readonly service: string;
  readonly region: string;
  readonly credentials: Credentials;
  /** @default new Date() */
  readonly date?: Date;
}

/** Headers SigV4 leaves unsigned (as the SDK's signer does): proxies and agents may change them. */
const UNSIGNED = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** So are `proxy-*` and `sec-*` headers, as in the SDK's signer. */
const UNSIGNED_PREFIX = /^(?:proxy|sec)-/;

const ALGORITHM = 'AWS4-HMAC-SHA256';

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding of one path segment, as SigV4 wants it (S3 aside). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The canonical path. S3 signs the path as sent; every other service signs it encoded once more,
 * after removing empty and dot segments.
 */
function canonicalPath(service: string, path: string): string {
  if (service === 's3') return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const joined = segments.map(encodeSegment).join('/');
  return `${path.startsWith('/') ? '/' : ''}${joined}${joined !== '' && path.endsWith('/') ? '/' : ''}`;
}

/** `20261122T023846Z` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The request's headers with `host`, `x-amz-date`, the session token (if any) and `authorization`
 * added, ready to send.
 *
 * @example
 * const headers = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/x-amz-json-1.1' }, body, service: 'secretsmanager', region: 'eu-west-1', credentials });
 */
export function signRequest(request: RequestToSign): Record<string, string> {
  const stamp = amzDate(request.date ?? new Date());
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  headers['x-amz-date'] = stamp;
  const { credentials } = request;
  if (credentials.sessionToken !== undefined && credentials.sessionToken !== '') {
    headers['x-amz-security-token'] = credentials.sessionToken;
  }

  const signedNames = Object.keys(headers)
    .filter((name) => !UNSIGNED.has(name) && !UNSIGNED_PREFIX.test(name))
    .sort();
  const canonicalHeaders = signedNames
    .map((name) => `${name}:${String(headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = signedNames.join(';');
  const payloadHash = headers['x-amz-content-sha256'] ?? sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    canonicalPath(request.service, request.url.pathname),
    '',
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');

  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), request.region), request.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
