/** The part of a TTY stream the bar draws on. */
export interface BarStream {
  write(text: string): boolean;
  readonly columns?: number;
}

/**
 * A one-line progress bar on a terminal, kept below the lines printed through `log`: each line
 * clears the bar, prints, and draws it again. Only used on a TTY; elsewhere the caller passes none.
 *
 * @example
 * const bar = new ProgressBar(process.stderr, 52);
 * bar.log('200 accepted …'); bar.tick(); bar.done();
 */
export class ProgressBar {
  private completed = 0;
  private inFlight = 0;
  private waiting = 0;
  private drawn = false;

  constructor(
    private readonly stream: BarStream,
    private readonly total: number,
    private readonly print: (line: string) => void,
  ) {}

  /** Prints a line above the bar. */
  log(line: string): void {
    this.clear();
    this.print(line);
    this.draw();
  }

  update(state: { completed: number; inFlight: number; waiting: number }): void {
    this.completed = state.completed;
    this.inFlight = state.inFlight;
    this.waiting = state.waiting;
    this.draw();
  }

  /** Removes the bar for good. */
  done(): void {
    this.clear();
  }

  private clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }

  private draw(): void {
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 45));
    const filled = this.total === 0 ? width : Math.round((this.completed / this.total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const extra = [
      this.inFlight > 0 ? `${this.inFlight} in flight` : '',
      this.waiting > 0 ? `${this.waiting} waiting to retry` : '',
    ]
      .filter((part) => part !== '')
      .join(', ');
    this.stream.write(`\r\u001b[2K${bar} ${this.completed}/${this.total}${extra === '' ? '' : `  ${extra}`}`);
    this.drawn = true;
  }
}
