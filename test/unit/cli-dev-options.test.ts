import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_TIME_SCALE, parseDevArgs } from '../../cli/commands/dev.js';
import { UsageError } from '../../cli/kit/usage-error.js';
import { DEFAULT_STATE_DIR } from '../../local/state.js';

describe('dev arguments', () => {
  it('defaults: the default port, human log, compressed Lambda retries, .dev/', () => {
    expect(parseDevArgs([])).toEqual({
      port: undefined,
      json: false,
      timeScale: DEFAULT_DEV_TIME_SCALE,
      stateDir: DEFAULT_STATE_DIR,
      context: [],
      inspectorPort: undefined,
    });
  });

  it('reads a port (0 for any), JSON output, a time scale, a state dir and context pairs', () => {
    expect(
      parseDevArgs(
        [
          '-p',
          '0',
          '--json',
          '--time-scale',
          '1',
          '--state-dir',
          'tmp/x',
          '-c',
          'a=1',
          '--context',
          'b=',
          '--inspector-port',
          '9001',
        ],
        '/home/dev/project',
      ),
    ).toEqual({
      port: 0,
      json: true,
      timeScale: 1,
      stateDir: '/home/dev/project/tmp/x',
      context: ['a=1', 'b='],
      inspectorPort: 9001,
    });
  });

  it.each([
    [
      ['--port', '70000'],
      /--port must be a port number from 1 to 65535, or 0 for any free port \(got '70000'\)/,
    ],
    [['--port', 'http'], /--port must be a port number/],
    [['--inspector-port', 'x'], /--inspector-port must be a port number.*e\.g\. --inspector-port 8640/],
    [['--time-scale', '2'], /--time-scale must be a number above 0 and at most 1/],
    [['--context', 'novalue'], /--context takes key=value.*--context exampleSubscriber=false/],
    [
      ['check.completed.clear'],
      /`dev` takes no arguments.*npx complycube-webhooks send check.completed.clear/,
    ],
    [['--prot', '1'], /Unknown option --prot\. Did you mean '--port'\?/],
  ])('refuses %j, saying what to type instead', (argv, message) => {
    expect(() => parseDevArgs(argv)).toThrow(UsageError);
    expect(() => parseDevArgs(argv)).toThrow(message);
  });

  it('--deliver-twice delivers every event to each subscriber twice, and is off by default', () => {
    expect(parseDevArgs(['--deliver-twice'])).toMatchObject({ deliverTwice: true });
    expect(parseDevArgs([])).not.toHaveProperty('deliverTwice');
  });
});
