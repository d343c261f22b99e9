import type { Reporter } from './live-log.js';

/** What the local stack started, to stop in reverse order when it ends (or fails to start). */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** Runs every step, newest first; a failing step does not stop the others. */
  async run(report: Reporter): Promise<void> {
    for (const step of this.steps.reverse()) {
      await step
        .run()
        .catch((error: unknown) =>
          report({ kind: 'warning', text: `Stopping ${step.name} failed: ${String(error)}` }),
        );
    }
    this.steps.length = 0;
  }
}
