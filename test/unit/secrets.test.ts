import { describe, expect, it } from 'vitest';
import { SecretUnavailableError } from '../../functions/receiver/core/errors.js';
import { parseSecretValue, WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import { FakeClock, FakeSecretSource } from '../helpers/fakes.js';

const DESCRIPTION = 'the webhook secret arn:aws:secretsmanager:eu-west-2:123456789012:secret:cc-AbCdEf';

function parsed(value: string): string[] {
  return parseSecretValue(value, DESCRIPTION).map((b) => b.toString('utf8'));
}

function parseError(value: string): unknown {
  try {
    parseSecretValue(value, DESCRIPTION);
  } catch (error) {
    return error;
  }
  throw new Error('expected parseSecretValue to throw');
}

/** Every message in an error's cause chain, joined. */
function causeChainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

describe('parseSecretValue', () => {
  it('takes a plain-text secret as is', () => {
    expect(parsed('whsec_fictional_1234')).toEqual(['whsec_fictional_1234']);
  });

  it('trims surrounding white space from a plain-text secret, such as a pasted newline', () => {
    expect(parsed('  whsec_fictional_1234\n')).toEqual(['whsec_fictional_1234']);
  });

  it('keeps white space inside a plain-text secret', () => {
    expect(parsed('with inner space')).toEqual(['with inner space']);
  });

  it('reads the current secret from JSON', () => {
    expect(parsed('{"current":"cur-secret"}')).toEqual(['cur-secret']);
  });

  it('reads current then next from JSON', () => {
    expect(parsed('{"next":"next-secret","current":"cur-secret"}')).toEqual(['cur-secret', 'next-secret']);
  });

  it('reads current, next and previous from JSON, in that order', () => {
    expect(parsed('{"previous":"old","current":"cur","next":"new"}')).toEqual(['cur', 'new', 'old']);
  });

  it('ignores empty or non-string next and previous', () => {
    expect(parsed('{"current":"cur","next":"  ","previous":42}')).toEqual(['cur']);
  });

  it('trims each secret read from JSON', () => {
    expect(parsed('\n{"current":" cur \\n","next":"\\tnew"}\n')).toEqual(['cur', 'new']);
  });

  it('treats the placeholder JSON without "current" as a secret not set yet', () => {
    const error = parseError('{"placeholder":"set me"}');

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error).toMatchObject({ statusCode: 503 });
  });

  it.each([
    ['an empty current', '{"current":""}'],
    ['a blank current', '{"current":"   "}'],
    ['a numeric current', '{"current":12345}'],
    ['an empty object', '{}'],
    ['current nested in an object', '{"current":{"value":"cur"}}'],
  ])('treats JSON with %s as a secret not set yet', (_name, value) => {
    expect(parseError(value)).toBeInstanceOf(SecretUnavailableError);
  });

  it('refuses an empty value', () => {
    expect(parseError('')).toBeInstanceOf(SecretUnavailableError);
  });

  it('refuses a value of white space only', () => {
    expect(parseError(' \n\t ')).toBeInstanceOf(SecretUnavailableError);
  });

  it('names the secret, not its value, in the message', () => {
    const error = parseError('');

    expect(error).toBeInstanceOf(Error);
    expect(error instanceof Error ? error.message : '').toContain(DESCRIPTION);
  });

  it.each([
    ['a missing closing brace', '{"current": "s3cr3t-fictional-value"'],
    ['an unquoted value', '{"current": s3cr3t-fictional-value}'],
    ['single quotes', "{'current': 's3cr3t-fictional-value'}"],
    ['trailing text', '{"current":"s3cr3t-fictional-value"} s3cr3t-fictional-value'],
  ])('refuses invalid JSON (%s) with a message that does not contain the value', (_name, value) => {
    const error = parseError(value);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error instanceof Error ? error.message : '').not.toContain('s3cr3t');
  });

  // BUG (functions/receiver/core/secrets.ts): the SyntaxError from JSON.parse is kept as `cause`, and V8
  // quotes the text around the bad token in its message ("Unexpected token 's', ..."current":
  // s3cr3t-fi"... is not valid JSON"). `describeError` logs the cause chain, so part of the secret
  // reaches the logs (see receive.test.ts, "never logs any part of a secret stored as malformed JSON").
  it.each([
    ['an unquoted value', '{"current": s3cr3t-fictional-value}'],
    ['single quotes around the value', '{"current": \'s3cr3t-fictional-value\'}'],
  ])('refuses invalid JSON (%s) without the value anywhere in the cause chain', (_name, value) => {
    const error = parseError(value);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(causeChainText(error)).not.toContain('s3cr3t');
  });
});

function secretsWith(value: string, refreshAfterMs?: number) {
  const clock = new FakeClock();
  const source = new FakeSecretSource(value);
  const secrets = new WebhookSecrets({
    source,
    clock,
    ...(refreshAfterMs === undefined ? {} : { refreshAfterMs }),
  });
  return { clock, source, secrets };
}

const text = (buffers: readonly Buffer[] | undefined): string[] | undefined =>
  buffers?.map((b) => b.toString());

describe('WebhookSecrets', () => {
  it('fetches once for many calls', async () => {
    const { source, secrets } = secretsWith('one');

    await secrets.current();
    await secrets.current();
    const third = await secrets.current();

    expect(text(third)).toEqual(['one']);
    expect(source.fetches).toBe(1);
  });

  it('shares one fetch between concurrent callers', async () => {
    const { source, secrets } = secretsWith('one');
    const open = source.hold();

    const calls = [secrets.current(), secrets.current(), secrets.current()];
    open();
    const results = await Promise.all(calls);

    expect(results.map(text)).toEqual([['one'], ['one'], ['one']]);
    expect(source.fetches).toBe(1);
  });

  it('keeps serving the cached value for up to 5 minutes after the stored one changes', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();

    source.value = 'two';
    clock.advance(299_000);

    expect(text(await secrets.current())).toEqual(['one']);
    expect(source.fetches).toBe(1);
  });

  it('does not refresh a cache younger than refreshAfterMs', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    source.value = 'two';

    clock.advance(59_999);
    const refreshed = await secrets.refreshIfStale();

    expect(refreshed).toBeUndefined();
    expect(source.fetches).toBe(1);
  });

  it('refreshes a cache once it is refreshAfterMs old', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    source.value = 'two';

    clock.advance(60_000);
    const refreshed = await secrets.refreshIfStale();

    expect(text(refreshed)).toEqual(['two']);
    expect(text(await secrets.current())).toEqual(['two']);
    expect(source.fetches).toBe(2);
  });

  it('honours a custom refreshAfterMs', async () => {
    const { source, secrets, clock } = secretsWith('one', 5_000);
    await secrets.current();
    source.value = 'two';

    clock.advance(4_999);
    const early = await secrets.refreshIfStale();
    clock.advance(1);
    const due = await secrets.refreshIfStale();

    expect(early).toBeUndefined();
    expect(text(due)).toEqual(['two']);
  });

  it('restarts the refresh window after a refresh', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    clock.advance(60_000);
    await secrets.refreshIfStale();

    clock.advance(30_000);
    const again = await secrets.refreshIfStale();

    expect(again).toBeUndefined();
    expect(source.fetches).toBe(2);
  });

  it('fetches on refreshIfStale when nothing is cached yet', async () => {
    const { source, secrets } = secretsWith('one');

    const refreshed = await secrets.refreshIfStale();

    expect(text(refreshed)).toEqual(['one']);
    expect(source.fetches).toBe(1);
  });

  it('turns a fetch failure into SecretUnavailableError with the cause', async () => {
    const { source, secrets } = secretsWith('one');
    const cause = new Error('AccessDeniedException');
    source.failNext(cause);

    const failure = secrets.current();

    await expect(failure).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(failure).rejects.toMatchObject({ cause });
  });

  it('answers a fetch failure from memory for a minute, then fetches again', async () => {
    const { source, secrets, clock } = secretsWith('one');
    source.failNext(new Error('throttled'));
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);

    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
    expect(source.fetches).toBe(1);
    clock.advance(59_999);
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
    expect(source.fetches).toBe(1);
    clock.advance(1);
    const later = await secrets.current();

    expect(text(later)).toEqual(['one']);
    expect(source.fetches).toBe(2);
  });

  it('picks up a secret set after the placeholder once the one-minute back-off has passed', async () => {
    const { source, secrets, clock } = secretsWith('{"placeholder":true}');
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);

    source.value = 'now-set';
    clock.advance(60_000);
    const second = await secrets.current();

    expect(text(second)).toEqual(['now-set']);
  });

  it('reads the secret again once the cached copy is 5 minutes old, so a removed secret stops verifying', async () => {
    const { source, secrets, clock } = secretsWith(JSON.stringify({ current: 'old', next: 'new' }));
    await secrets.current();
    source.value = 'new';

    clock.advance(299_999);
    const stillCached = await secrets.current();
    clock.advance(1);
    const reread = await secrets.current();

    expect(text(stillCached)).toEqual(['old', 'new']);
    expect(text(reread)).toEqual(['new']);
    expect(source.fetches).toBe(2);
  });

  it('keeps using the cached copy when the 5-minute re-read fails', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    clock.advance(300_000);
    source.failNext(new Error('throttled'));

    const kept = await secrets.current();

    expect(text(kept)).toEqual(['one']);
    expect(source.fetches).toBe(2);
  });

  it('asks Secrets Manager at most once a minute for refreshes, failed ones included', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    clock.advance(60_000);
    source.failNext(new Error('throttled'));
    await expect(secrets.refreshIfStale()).rejects.toBeInstanceOf(SecretUnavailableError);

    clock.advance(59_999);
    const tooSoon = await secrets.refreshIfStale();

    expect(tooSoon).toBeUndefined();
    expect(source.fetches).toBe(2);
  });

  it('keeps the previous secrets when a refresh fails', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    clock.advance(60_000);
    source.failNext(new Error('throttled'));

    await expect(secrets.refreshIfStale()).rejects.toBeInstanceOf(SecretUnavailableError);

    expect(text(await secrets.current())).toEqual(['one']);
  });

  it('prefetch loads the cache', async () => {
    const { source, secrets } = secretsWith('one');

    await secrets.prefetch();
    await secrets.current();

    expect(source.fetches).toBe(1);
  });

  it('prefetch swallows a fetch failure, and the next call fetches again', async () => {
    const { source, secrets } = secretsWith('one');
    source.failNext(new Error('network down'));

    await expect(secrets.prefetch()).resolves.toBeUndefined();
    const later = await secrets.current();

    expect(text(later)).toEqual(['one']);
    expect(source.fetches).toBe(2);
  });

  it('prefetch swallows a secret that is not set yet', async () => {
    const { secrets } = secretsWith('{}');

    await expect(secrets.prefetch()).resolves.toBeUndefined();
  });
});

describe('WebhookSecrets: a secret that is removed', () => {
  it('stops verifying at once when the store answers with a value that is no secret (emptied or reset)', async () => {
    const { source, secrets, clock } = secretsWith('leaked-secret');
    await secrets.current();
    source.value = '{"note":"replace this whole value"}';
    clock.advance(300_000);

    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
    clock.advance(600_000);
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
  });

  it('serves the old copy through an outage for at most twice the maximum age, then refuses', async () => {
    const { source, secrets, clock } = secretsWith('one');
    await secrets.current();
    for (let i = 0; i < 10; i++) source.failNext(new Error('unreachable'));

    clock.advance(300_000);
    const atFiveMinutes = await secrets.current();
    clock.advance(299_999);
    const justBeforeTen = await secrets.current();
    clock.advance(1);

    expect(text(atFiveMinutes)).toEqual(['one']);
    expect(text(justBeforeTen)).toEqual(['one']);
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
  });
});
