import { parseArgs } from 'node:util';

/** How much to measure, and where. */
export interface BenchOptions {
  /** Cold starts of each bundle (interleaved). At least 15 for the published figures. */
  readonly runs: number;
  /** Measured requests per body size (warm) and per concurrency level (throughput). */
  readonly requests: number;
  /** Where the JSON goes. */
  readonly out: string;
  /** Use this DynamoDB Local instead of starting one (with `motoEndpoint`). */
  readonly dynamodbEndpoint: string | undefined;
  /** Use this moto server instead of starting one (with `dynamodbEndpoint`). */
  readonly motoEndpoint: string | undefined;
  /** The `node` binary the measured processes run on. */
  readonly node: string;
}

export const USAGE = `Usage: npm run bench -- [options]

  --runs <n>             cold starts of each bundle, interleaved (default 15, at least 1)
  --requests <n>         measured requests per body size and per concurrency level (default 200)
  --out <file>           where to write the JSON (default bench-results/latest.json)
  --dynamodb <url>       use a running DynamoDB Local instead of starting one (needs --moto)
  --moto <url>           use a running moto server instead of starting one (needs --dynamodb)
  --node <path>          run the measured processes on this node binary, e.g. the Lambda
                         runtime's major version (default: the node running the bench)
  --help                 this text

Exit status: 0 every budget met, 1 a budget missed, 2 the bench itself failed.`;

/** A command line the bench cannot run with; the message says what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function wholeNumber(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got ${JSON.stringify(raw)}).`);
  }
  return Number(raw);
}

function loopbackUrl(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UsageError(
      `--${name} must be a URL such as http://127.0.0.1:8000 (got ${JSON.stringify(raw)}).`,
      {
        cause: error,
      },
    );
  }
  if (url.protocol !== 'http:') {
    throw new UsageError(
      `--${name} must be an http:// URL of a local emulator (got ${JSON.stringify(raw)}).`,
    );
  }
  return url.origin;
}

/**
 * Reads the bench's command line. Returns undefined for `--help`.
 *
 * @example
 * parseBenchOptions(['--runs', '2', '--requests', '20']); // { runs: 2, requests: 20, out: 'bench-results/latest.json', … }
 */
export function parseBenchOptions(args: readonly string[]): BenchOptions | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, {
      cause: error,
    });
  }
  const { values } = parsed;
  if (values.help === true) return undefined;
  const dynamodbEndpoint = loopbackUrl(values.dynamodb, 'dynamodb');
  const motoEndpoint = loopbackUrl(values.moto, 'moto');
  if ((dynamodbEndpoint === undefined) !== (motoEndpoint === undefined)) {
    throw new UsageError(
      'Give both --dynamodb and --moto to use running emulators, or neither to start them.',
    );
  }
  return {
    runs: wholeNumber(values.runs, 'runs', 15, 1),
    requests: wholeNumber(values.requests, 'requests', 200, 1),
    out: values.out ?? 'bench-results/latest.json',
    dynamodbEndpoint,
    motoEndpoint,
    node: values.node ?? process.execPath,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: 'string' },
      requests: { type: 'string' },
      out: { type: 'string' },
      dynamodb: { type: 'string' },
      moto: { type: 'string' },
      node: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}
