/**
 * When ComplyCube retries a delivery that did not get a 2xx, in seconds after the previous
 * attempt. ComplyCube documents 10 retries, the first three at 60 s, 120 s and 480 s, "and so
 * forth", then disables the webhook. What comes after the third is not documented: this schedule
 * assumes the delay keeps doubling, which is what the simulator, the sender CLI and the tests use.
 */
export const COMPLYCUBE_RETRY_DELAYS_SECONDS: readonly number[] = [
  60, 120, 480, 960, 1_920, 3_840, 7_680, 15_360, 30_720, 61_440,
];

/** ComplyCube waits this long for an answer before counting the attempt as failed. */
export const COMPLYCUBE_TIMEOUT_SECONDS = 15;
