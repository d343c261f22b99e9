import { isIP } from 'node:net';
import { COMPLYCUBE_API_URL_ENV } from '../../contract/connect.js';
import { ComplyCubeConfigError } from './errors.js';

export { COMPLYCUBE_API_URL_ENV };

export const DEFAULT_COMPLYCUBE_API_URL = 'https://api.complycube.com/v1';

/**
 * The API's base URL: `value` (usually `process.env.COMPLYCUBE_API_URL`), else the real one.
 * `https:` anywhere; `http:` only on loopback (127.0.0.0/8, ::1, localhost), for emulators and local
 * proxies, because the API key travels in a header. The result has no trailing slash.
 *
 * @example
 * const baseUrl = resolveApiBaseUrl(process.env[COMPLYCUBE_API_URL_ENV]);
 */
export function resolveApiBaseUrl(value: string | undefined): string {
  const text = value?.trim() ?? '';
  if (text === '') return DEFAULT_COMPLYCUBE_API_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ComplyCubeConfigError(
      `${COMPLYCUBE_API_URL_ENV} is not a URL (${JSON.stringify(text)}); use e.g. ${DEFAULT_COMPLYCUBE_API_URL}.`,
      { cause: error },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ComplyCubeConfigError(
      `${COMPLYCUBE_API_URL_ENV} must not carry credentials in the URL; the API key goes in COMPLYCUBE_API_KEY or its secret.`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ComplyCubeConfigError(
      `${COMPLYCUBE_API_URL_ENV} must be a base URL without '?' or '#' (got ${url.origin}${url.pathname}…).`,
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ComplyCubeConfigError(
      `${COMPLYCUBE_API_URL_ENV} is http:// on ${url.hostname}, which is not loopback: the API key would cross the network in clear. Use https://, or http:// only on 127.0.0.1, ::1 or localhost.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ComplyCubeConfigError(
      `${COMPLYCUBE_API_URL_ENV} must be an https:// URL (got ${url.protocol}).`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (with or without the brackets a URL puts around it). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}
