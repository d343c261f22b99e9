import { ComplyCubeConfigError } from './errors.js';

/** Which ComplyCube environment a key belongs to, from its prefix. */
export type ApiKeyKind = 'test' | 'live';

const KEY_SHAPE = /^(test|live)_[^\s]{8,}$/;

/**
 * The key without surrounding white space (a value pasted with its newline), checked for the shape
 * ComplyCube's keys have: `test_` (sandbox) or `live_`, then at least 8 non-space characters.
 * The error names neither the key nor any part of it, only its length.
 *
 * @example
 * const { key, kind } = checkApiKey(process.env.COMPLYCUBE_API_KEY ?? '');
 */
export function checkApiKey(value: string): { readonly key: string; readonly kind: ApiKeyKind } {
  const key = value.trim();
  const match = KEY_SHAPE.exec(key);
  if (match === null) {
    throw new ComplyCubeConfigError(
      key === ''
        ? 'No ComplyCube API key was given: set COMPLYCUBE_API_KEY or name the secret that holds it.'
        : `The ComplyCube API key does not look like one (${key.length} characters): a key starts with ` +
            "'test_' (sandbox) or 'live_' and contains no spaces. Copy it again from the ComplyCube portal " +
            '(Developers > API keys).',
    );
  }
  return { key, kind: match[1] === 'live' ? 'live' : 'test' };
}

/** `text` with every occurrence of `key` replaced, for messages that quote what ComplyCube said. */
export function redactKey(text: string, key: string): string {
  return key === '' ? text : text.split(key).join('[api key]');
}
