/** A simulated clock: time stands still until the exercise moves it, and never goes back. */
import { DetenteError } from '../crypto/errors.js';

export class SimulatedClock {
  #now: number;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock to `t` (not backwards). */
  set(t: number): void {
    if (t < this.#now) {
      throw new DetenteError(
        'BAD_INPUT',
        `clock: ${new Date(t).toISOString()} is before ${new Date(this.#now).toISOString()}`,
      );
    }
    this.#now = t;
  }

  /** The clock as a function, for LogWriter. */
  readonly fn = (): number => this.#now;
}
