import { describe, expect, it } from 'vitest';
import { planDeliveries } from '../../cli/commands/send/delivery.js';
import { parseSendArgs, type SendOptions } from '../../cli/commands/send/options.js';
import { listFixtures, SENDER_PROVIDERS } from '../../cli/commands/send/providers.js';
import { UsageError } from '../../cli/kit/usage-error.js';
import { COMPLYCUBE_RETRY_DELAYS_SECONDS } from '../../fixtures/complycube-retry-schedule.js';

function parse(...argv: string[]): SendOptions {
  const options = parseSendArgs(argv, listFixtures);
  if (options === 'help') throw new Error('expected options, got help');
  return options;
}

function usageError(...argv: string[]): string {
  try {
    parseSendArgs(argv, listFixtures);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('send arguments', () => {
  it('sends one event type once, sequentially, with the provider defaults', () => {
    const options = parse('check.completed.clear');
    expect(options).toMatchObject({
      fixtures: ['check.completed.clear'],
      url: undefined,
      secret: undefined,
      repeat: 1,
      duplicate: false,
      concurrency: 1,
      shuffle: false,
      tamper: false,
      retry: false,
      retries: COMPLYCUBE_RETRY_DELAYS_SECONDS.length,
      timeScale: 1,
      timeoutMs: 15_000,
      json: false,
      list: false,
    });
    expect(options.provider.name).toBe('complycube');
  });

  it('expands a family in catalogue order and keeps each type once', () => {
    expect(parse('check.completed*', 'check.completed.clear').fixtures).toEqual([
      'check.completed',
      'check.completed.attention',
      'check.completed.clear',
      'check.completed.match_confirmed',
      'check.completed.rejected',
    ]);
  });

  it('--all selects every fixture', () => {
    expect(parse('--all').fixtures).toEqual(listFixtures(SENDER_PROVIDERS.complycube as never));
    expect(parse('-a').fixtures).toHaveLength(25);
  });

  it('reads every option, long and short', () => {
    const options = parse(
      'client.created',
      '-n',
      '3',
      '-d',
      '-c',
      '8',
      '--shuffle',
      '--tamper',
      '--retry',
      '--retries',
      '2',
      '--time-scale',
      '0.01',
      '--timeout',
      '2.5',
      '--url',
      'https://abc.lambda-url.eu-west-2.on.aws',
      '--secret',
      'whsec_x',
      '--json',
    );
    expect(options).toMatchObject({
      repeat: 3,
      duplicate: true,
      concurrency: 8,
      shuffle: true,
      tamper: true,
      retry: true,
      retries: 2,
      timeScale: 0.01,
      timeoutMs: 2_500,
      url: 'https://abc.lambda-url.eu-west-2.on.aws/',
      secret: 'whsec_x',
      json: true,
    });
  });

  it('--at dates the events, and their resource, at the time given', () => {
    const options = parse('check.completed', '--at', '2026-12-05T12:00:00Z');
    expect(options.at?.toISOString()).toBe('2026-12-05T12:00:00.000Z');
    const [delivery] = planDeliveries(options, 'secret');
    const body = JSON.parse(delivery?.event.body ?? '{}') as {
      createdAt: string;
      payload: { updatedAt: string };
    };
    expect(body.createdAt).toBe('2026-12-05T12:00:00.000Z');
    expect(body.payload.updatedAt).toBe('2026-12-05T12:00:00.000Z');
  });

  it('refuses an --at that is not a date and time with a zone, with an example', () => {
    expect(() => parse('check.completed', '--at', 'yesterday')).toThrow(
      /--at takes an ISO 8601 date and time with a zone \(got 'yesterday'\), e\.g\. --at \d{4}-/,
    );
    expect(() => parse('check.completed', '--at', '2026-12-05T12:00:00')).toThrow(UsageError);
  });

  it('answers --help and --list without needing an event', () => {
    expect(parseSendArgs(['--help'], listFixtures)).toBe('help');
    expect(parse('--list')).toMatchObject({ list: true, fixtures: [] });
  });

  it('picks Compliancely fixtures by status, with or without the type prefix', () => {
    const options = parse('--provider', 'compliancely', 'did_not_match', 'tin_check.pending');
    expect(options.provider.name).toBe('compliancely');
    expect(options.fixtures).toEqual(['did_not_match', 'pending']);
    expect(options.retries).toBe(2);
  });

  it.each([
    [[], /Say which event type to send.*--all.*--list/],
    [
      ['check.complete.clear'],
      /No ComplyCube fixture for 'check.complete.clear'\. Did you mean 'check.completed.clear'/,
    ],
    [['checks*'], /No ComplyCube fixture for 'checks\*'/],
    [
      ['--all', 'client.created'],
      /--all already sends every event type; drop 'client.created' or drop --all/,
    ],
    [['x', '--duplcate'], /Unknown option --duplcate\. Did you mean '--duplicate'\?/],
    [['x', '--repeat'], /--repeat needs a value, e\.g\. --repeat <value>/],
    [['client.created', '--repeat', '0'], /--repeat must be a whole number from 1 to 10000 \(got '0'\)/],
    [
      ['client.created', '--concurrency', 'many'],
      /--concurrency must be a whole number from 1 to 256 \(got 'many'\)/,
    ],
    [['client.created', '--time-scale', '0.01'], /--time-scale compresses the --retry schedule: add --retry/],
    [['client.created', '--retries', '3'], /--retries only applies with --retry/],
    [['client.created', '--retry', '--retries', '11'], /--retries must be a whole number from 0 to 10/],
    [['client.created', '--retry', '--time-scale=-1'], /--time-scale must be a number above 0/],
    [
      ['client.created', '--url', 'not a url'],
      /--url 'not a url' is not a URL\. Pass the whole function URL/,
    ],
    [['client.created', '--url', 'ftp://example.com/'], /--url must be an http:\/\/ or https:\/\/ URL/],
    [['client.created', '--secret', ' '], /--secret is empty/],
    [
      ['client.created', '--provider', 'complycub'],
      /Unknown provider 'complycub'\. Did you mean 'complycube'\?/,
    ],
  ])('refuses %j with a message saying what to type instead', (argv, message) => {
    expect(usageError(...argv)).toMatch(message);
  });
});
