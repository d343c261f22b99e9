/** One event for the bus. */
export interface BusEntry {
  readonly source: string;
  readonly detailType: string;
  /** A JSON object, as text. */
  readonly detail: string;
  readonly time: Date | undefined;
}

/** Puts events on the bus. Resolves only once the bus has accepted the entry. */
export interface Publisher {
  publish(entry: BusEntry): Promise<void>;
}
