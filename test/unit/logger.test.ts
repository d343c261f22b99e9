import { describe, expect, it } from 'vitest';
import { describeError, jsonLogger } from '../../functions/receiver/core/logger.js';

describe('describeError', () => {
  it('names an error and its causes, with their messages', () => {
    const error = new Error('PutEvents failed.', { cause: new Error('connect ECONNREFUSED 127.0.0.1:4566') });

    expect(describeError(error)).toEqual({
      errorName: 'Error',
      errorMessage: 'PutEvents failed.',
      cause1Name: 'Error',
      cause1Message: 'connect ECONNREFUSED 127.0.0.1:4566',
    });
  });

  it('keeps only the name and status of an error an AWS service answered, whose message can quote client data', () => {
    const answered = Object.assign(
      new Error('1 validation error detected: Value \'{"email":"jane@example.com"}\''),
      {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      },
    );

    const fields = describeError(new Error('PutEvents failed.', { cause: answered }));

    expect(fields).toEqual({
      errorName: 'Error',
      errorMessage: 'PutEvents failed.',
      cause1Name: 'ValidationException',
      cause1Status: '400',
    });
    expect(JSON.stringify(fields)).not.toContain('jane@example.com');
  });

  it('describes something thrown that is not an Error', () => {
    expect(describeError('boom')).toEqual({ errorMessage: 'boom' });
  });
});

describe('jsonLogger', () => {
  it('writes one JSON object per line with the level, message and fields', () => {
    const lines: string[] = [];
    const logger = jsonLogger((line) => lines.push(line));

    logger.warn('careful', { eventId: 'e1' });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'warn', message: 'careful', eventId: 'e1' });
  });

  it('keeps its own level, message and time whatever the fields or embedded members are called', () => {
    const lines: string[] = [];
    const logger = jsonLogger((line) => lines.push(line));

    logger.error(
      'webhook',
      { level: 'info', message: 'all fine', time: 'yesterday', eventId: 'e1' },
      { level: 'debug' },
    );

    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', message: 'webhook', eventId: 'e1' });
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
