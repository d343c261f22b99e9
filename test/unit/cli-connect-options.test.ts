/** The arguments of connect, status and disconnect, and `dev --complycube-api`. */
import { describe, expect, it } from 'vitest';
import { parseConnectArgs } from '../../cli/commands/connect/options.js';
import { parseDevArgs } from '../../cli/commands/dev.js';
import { UsageError } from '../../cli/kit/usage-error.js';

describe('connect options', () => {
  it('reads an explicit receiver and its events', () => {
    expect(
      parseConnectArgs('connect', [
        '--url',
        'https://x.example/',
        '--secret-id',
        's',
        '--events',
        'a.b, c.d',
      ]),
    ).toMatchObject({ url: 'https://x.example/', secretId: 's', events: ['a.b', 'c.d'], json: false });
  });

  it('takes * for every event type', () => {
    expect(parseConnectArgs('status', ['--stack', 'S', '--events', '*'])).toMatchObject({
      stack: 'S',
      events: ['*'],
    });
  });

  it.each([
    [['--api-key', 'test_abcdefghijkl'], /never taken as an argument/],
    [['--stack', 'S', '--url', 'https://x/'], /--stack reads the URL/],
    [['--url', 'https://x/'], /--url needs --secret-id/],
    [['--url', 'not a url', '--secret-id', 's'], /is not a URL/],
    [['--stack', 'S', '--events', 'a b'], /--events takes event types/],
    [['--stack', 'S', 'extra'], /no positional arguments/],
    [['--region', 'mars'], /not an AWS region/],
  ])('refuses %j with a UsageError that says what to type', (argv, why) => {
    expect(() => parseConnectArgs('connect', argv)).toThrow(UsageError);
    expect(() => parseConnectArgs('connect', argv)).toThrow(why);
  });

  it('never repeats a key given as an argument in its message', () => {
    expect(() => parseConnectArgs('connect', ['--api-key', 'test_secretvalue123'])).not.toThrow(
      /secretvalue/,
    );
  });
});

describe('dev --complycube-api', () => {
  it('runs the emulator with local, and not by default', () => {
    expect(parseDevArgs(['--complycube-api', 'local'])).toMatchObject({ complyCubeApi: 'local' });
    expect(parseDevArgs([])).not.toHaveProperty('complyCubeApi');
  });

  it('refuses anything else', () => {
    expect(() => parseDevArgs(['--complycube-api', 'real'])).toThrow(/takes 'local'/);
  });
});
