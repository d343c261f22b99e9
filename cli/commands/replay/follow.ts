/**
 * Following a replay: polls EventBridge until the replay ends (or once, without waiting), printing
 * its progress; Ctrl-C stops watching and leaves the replay running.
 */
import {
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { awsFailure, isNotFound, type OpsClients } from '../../aws/clients.js';
import { OpsError } from '../../kit/failure.js';
import type { CliIo } from '../../kit/io.js';
import { printer } from '../../kit/printer.js';
import { formatDuration } from '../../kit/terminal.js';
import type { ReplayOptions } from './options.js';

/** What `runReplay` needs besides the options; tests pass their own clock and sleep. */
export interface ReplayDeps {
  readonly clients: Pick<OpsClients, 'eventBridge'>;
  readonly now: () => number;
  /** Waits, or rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Polls a replay until it ends (or once, without wait), printing its progress. */
export async function follow(
  eventBridge: EventBridgeClient,
  name: string,
  options: ReplayOptions,
  io: CliIo,
  deps: ReplayDeps,
): Promise<number> {
  const out = printer(io, options.json);
  const started = deps.now();
  let lastReported = '';
  for (;;) {
    const replay = await eventBridge
      .send(new DescribeReplayCommand({ ReplayName: name }))
      .catch((error: unknown) => {
        throw notFoundOr(error, name, 'describe the replay');
      });
    const state = replay.State ?? 'UNKNOWN';
    const progress = replayProgress(replay);
    const line = `Replay ${name}: ${state} ${Math.floor(progress * 100)}%${replay.EventLastReplayedTime === undefined ? '' : ` (events up to ${replay.EventLastReplayedTime.toISOString()})`}`;
    const report = `${state} ${Math.floor(progress * 10)}`;
    if (report !== lastReported || options.json) {
      out.progress(
        { replay: name, state, progress, eventLastReplayedTime: replay.EventLastReplayedTime?.toISOString() },
        line,
      );
      lastReported = report;
    }
    if (TERMINAL.has(state)) {
      out.done();
      const took =
        replay.ReplayStartTime !== undefined && replay.ReplayEndTime !== undefined
          ? ` in ${formatDuration(replay.ReplayEndTime.getTime() - replay.ReplayStartTime.getTime())}`
          : '';
      if (state === 'COMPLETED') {
        out.print('completed', { replay: name, state }, `Replay ${name} completed${took}.`);
        return 0;
      }
      out.print(
        'ended',
        { replay: name, state, reason: replay.StateReason },
        `Replay ${name} ${state.toLowerCase()}${replay.StateReason === undefined ? '' : `: ${replay.StateReason}`}.`,
        true,
      );
      return 1;
    }
    if (!options.wait) {
      out.done();
      out.line(
        `Still ${state.toLowerCase()}; check again with: npx complycube-webhooks replay --status ${name}`,
      );
      return 0;
    }
    try {
      await deps.sleep(options.pollMs, io.interrupt);
    } catch (error) {
      if (io.interrupt?.aborted !== true) throw error;
      out.done();
      io.stderr.write(
        `Stopped watching after ${formatDuration(deps.now() - started)}; the replay carries on in EventBridge.\n  Follow it: npx complycube-webhooks replay --status ${name}\n  Stop it:   npx complycube-webhooks replay --cancel ${name}\n`,
      );
      return 130;
    }
  }
}

/** How far a replay has got, 0 to 1, from the time of the last event it replayed. */
export function replayProgress(
  replay: Pick<
    DescribeReplayCommandOutput,
    'State' | 'EventStartTime' | 'EventEndTime' | 'EventLastReplayedTime'
  >,
): number {
  if (replay.State === 'COMPLETED') return 1;
  const start = replay.EventStartTime?.getTime();
  const end = replay.EventEndTime?.getTime();
  const last = replay.EventLastReplayedTime?.getTime();
  if (start === undefined || end === undefined || last === undefined || end <= start) return 0;
  return Math.min(1, Math.max(0, (last - start) / (end - start)));
}

export function notFoundOr(error: unknown, name: string, doing: string): OpsError {
  if (isNotFound(error)) {
    return new OpsError(
      `There is no replay named ${name} in this region. List recent ones with: aws events list-replays --name-prefix ${name.split('-')[0] ?? ''}`,
      { cause: error },
    );
  }
  return awsFailure(error, `${doing} ${name}`);
}
