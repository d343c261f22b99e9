import { describe, expect, it } from 'vitest';
import { type Answer, judgeAnswer } from '../../cli/commands/send/judge.js';

const answer = (status: number | undefined, verdict?: string): Answer => ({
  status,
  verdict,
  body: '',
  latencyMs: 1,
  ...(status === undefined ? { error: 'connection refused' } : {}),
});

describe('what a healthy receiver answers', () => {
  it.each([
    ['a new event, accepted', answer(200, 'accepted'), { tampered: false, copies: 1 }, 'expected'],
    ['a copy, duplicate', answer(200, 'duplicate'), { tampered: false, copies: 2 }, 'expected'],
    ['a copy racing another, 409', answer(409, 'in_progress'), { tampered: false, copies: 2 }, 'expected'],
    [
      'a lone event, 409: nobody else holds it',
      answer(409, 'in_progress'),
      { tampered: false, copies: 1 },
      'retryable',
    ],
    ['a tampered request, 401', answer(401, 'forged'), { tampered: true, copies: 1 }, 'expected'],
    ['a tampered request let in', answer(200, 'accepted'), { tampered: true, copies: 1 }, 'unexpected'],
    [
      'an authentic request refused as forged',
      answer(401, 'forged'),
      { tampered: false, copies: 1 },
      'unexpected',
    ],
    ['our failure, 503', answer(503, 'failed'), { tampered: false, copies: 1 }, 'retryable'],
    ['an invocation failure, 502', answer(502), { tampered: false, copies: 1 }, 'retryable'],
    ['throttled, 429', answer(429), { tampered: false, copies: 1 }, 'retryable'],
    ['no answer', answer(undefined), { tampered: false, copies: 1 }, 'retryable'],
    ['a 404: wrong URL', answer(404), { tampered: false, copies: 1 }, 'unexpected'],
  ])('%s', (_, given, request, expected) => {
    expect(judgeAnswer(given, request)).toBe(expected);
  });
});
