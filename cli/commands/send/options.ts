import { parseArgs } from 'node:util';
import { expandPatterns } from '../../../contract/event-types.js';
import { closest, didYouMean, explainParseError, UsageError } from '../../kit/usage-error.js';
import { DEFAULT_PROVIDER, SENDER_PROVIDERS, type SenderProvider } from './providers.js';

/** What `send` was asked to do, validated. */
export interface SendOptions {
  readonly provider: SenderProvider;
  /** Fixture names to send, in the order given (families expanded), each once per repeat. */
  readonly fixtures: readonly string[];
  /** Where to send; `undefined` means the running local stack. */
  readonly url: string | undefined;
  /** The webhook secret; `undefined` means `WEBHOOK_SECRET` or the local stack's. */
  readonly secret: string | undefined;
  readonly repeat: number;
  readonly duplicate: boolean;
  readonly concurrency: number;
  readonly shuffle: boolean;
  readonly tamper: boolean;
  readonly retry: boolean;
  /** How many retries `--retry` allows: the provider's whole schedule unless `--retries` cuts it. */
  readonly retries: number;
  readonly timeScale: number;
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly list: boolean;
  /** The time the events carry (their own and their resource's) instead of now. */
  readonly at?: Date;
}

const OPTIONS = {
  provider: { type: 'string' },
  all: { type: 'boolean', short: 'a' },
  repeat: { type: 'string', short: 'n' },
  duplicate: { type: 'boolean', short: 'd' },
  concurrency: { type: 'string', short: 'c' },
  shuffle: { type: 'boolean' },
  tamper: { type: 'boolean' },
  retry: { type: 'boolean' },
  retries: { type: 'string' },
  'time-scale': { type: 'string' },
  timeout: { type: 'string' },
  url: { type: 'string' },
  secret: { type: 'string' },
  json: { type: 'boolean' },
  list: { type: 'boolean', short: 'l' },
  at: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every long option of `send`, for suggestions. */
export const SEND_OPTION_NAMES = Object.keys(OPTIONS).map((name) => `--${name}`);

/** The fixture names of a provider; injected so parsing stays pure and testable. */
export type FixtureCatalogue = (provider: SenderProvider) => readonly string[];

/**
 * Parses the arguments after `send`. Returns `'help'` for `--help`. Throws a `UsageError` that says
 * what is wrong and what to type instead.
 *
 * @example
 * parseSendArgs(['check.completed.clear', '--duplicate'], listFixtures);
 */
export function parseSendArgs(argv: readonly string[], catalogue: FixtureCatalogue): SendOptions | 'help' {
  const { values, positionals } = parseOrExplain(argv);
  if (values.help === true) return 'help';

  const providerName = values.provider ?? DEFAULT_PROVIDER;
  const provider = Object.hasOwn(SENDER_PROVIDERS, providerName) ? SENDER_PROVIDERS[providerName] : undefined;
  if (provider === undefined) {
    const known = Object.keys(SENDER_PROVIDERS);
    throw new UsageError(
      `Unknown provider '${providerName}'.${didYouMean(closest(providerName, known))} Use --provider ${known.join(' or --provider ')}.`,
      'send',
    );
  }
  const names = catalogue(provider);
  const list = values.list === true;
  const fixtures = list ? [] : selectFixtures(positionals, values.all === true, names, provider);

  const retry = values.retry === true;
  const maxRetries = provider.retryDelaysSeconds.length;
  const retries = integer(values.retries, '--retries', maxRetries, 0, maxRetries);
  if (values.retries !== undefined && !retry) {
    throw new UsageError(`--retries only applies with --retry: add --retry, or drop --retries.`, 'send');
  }
  const timeScale = decimal(values['time-scale'], '--time-scale', 1, 0, 1000, 'e.g. --time-scale 0.01');
  if (values['time-scale'] !== undefined && !retry) {
    throw new UsageError(
      `--time-scale compresses the --retry schedule: add --retry, or drop --time-scale.`,
      'send',
    );
  }
  const url = values.url === undefined ? undefined : webhookUrl(values.url);
  const secret = values.secret;
  if (secret !== undefined && secret.trim() === '') {
    throw new UsageError(
      `--secret is empty. Pass the webhook secret (--secret "$SECRET"), or set WEBHOOK_SECRET.`,
      'send',
    );
  }

  return {
    provider,
    fixtures,
    url,
    secret,
    repeat: integer(values.repeat, '--repeat', 1, 1, 10_000),
    duplicate: values.duplicate === true,
    concurrency: integer(values.concurrency, '--concurrency', 1, 1, 256),
    shuffle: values.shuffle === true,
    tamper: values.tamper === true,
    retry,
    retries,
    timeScale,
    timeoutMs:
      decimal(
        values.timeout,
        '--timeout',
        provider.timeoutSeconds,
        0.001,
        900,
        'in seconds, e.g. --timeout 15',
      ) * 1000,
    json: values.json === true,
    list,
    ...(values.at === undefined ? {} : { at: eventTime(values.at) }),
  };
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `--at`: an ISO 8601 date and time with a zone. */
function eventTime(raw: string): Date {
  const ms = ISO_WITH_ZONE.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--at takes an ISO 8601 date and time with a zone (got '${raw}'), e.g. --at ${new Date(Date.now() - 60_000).toISOString()}.`,
      'send',
    );
  }
  return new Date(ms);
}

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;

function parseOrExplain(argv: readonly string[]): Parsed {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw explainParseError(error, SEND_OPTION_NAMES, 'send');
  }
}

function selectFixtures(
  positionals: readonly string[],
  all: boolean,
  names: readonly string[],
  provider: SenderProvider,
): string[] {
  if (all && positionals.length > 0) {
    throw new UsageError(
      `--all already sends every ${provider.fixtureNoun}; drop ${positionals.map((p) => `'${p}'`).join(' ')} or drop --all.`,
      'send',
    );
  }
  if (all) return [...names];
  if (positionals.length === 0) {
    throw new UsageError(
      `Say which ${provider.fixtureNoun} to send, e.g. \`complycube-webhooks send ${example(names)}\`, a family such as '${family(names)}', or --all. \`--list\` shows them all.`,
      'send',
    );
  }
  const selected: string[] = [];
  for (const input of positionals) {
    // Accept the type under its provider prefix too (`tin_check.pending` for the fixture `pending`).
    const name = names.includes(input) ? input : (names.find((n) => input.endsWith(`.${n}`)) ?? input);
    const matches = expandPatterns([name], names);
    if (!/^[A-Za-z0-9_.-]+\*?$|^\*$/.test(name) || matches.length === 0) {
      throw new UsageError(
        `No ${provider.displayName} fixture for '${input}'.${didYouMean(closest(input.replace(/\*$/, ''), names))} \`complycube-webhooks send --list${provider.name === DEFAULT_PROVIDER ? '' : ` --provider ${provider.name}`}\` shows every ${provider.fixtureNoun}; a trailing * selects a family (quote it: '${family(names)}').`,
        'send',
      );
    }
    for (const match of matches) if (!selected.includes(match)) selected.push(match);
  }
  return selected;
}

function example(names: readonly string[]): string {
  return names.includes('check.completed.clear') ? 'check.completed.clear' : (names[0] ?? '<name>');
}

function family(names: readonly string[]): string {
  return names.includes('check.completed.clear')
    ? 'check.completed*'
    : `${(names[0] ?? 'x').split(/[._]/)[0]}*`;
}

function integer(
  raw: string | undefined,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${option} must be a whole number from ${min} to ${max} (got '${raw}'), e.g. ${option} ${Math.min(max, Math.max(min, 3))}.`,
      'send',
    );
  }
  return value;
}

function decimal(
  raw: string | undefined,
  option: string,
  fallback: number,
  minExclusive: number,
  max: number,
  hint: string,
): number {
  if (raw === undefined) return fallback;
  const value = /^\d+(\.\d+)?(e-?\d+)?$/i.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(value) || value <= minExclusive || value > max) {
    throw new UsageError(
      `${option} must be a number above ${minExclusive} and at most ${max} (got '${raw}'), ${hint}.`,
      'send',
    );
  }
  return value;
}

function webhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UsageError(
      `--url '${raw}' is not a URL. Pass the whole function URL, e.g. --url https://abc123.lambda-url.eu-west-2.on.aws/`,
      'send',
      { cause: error },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--url must be an http:// or https:// URL (got '${raw}').`, 'send');
  }
  return url.toString();
}
