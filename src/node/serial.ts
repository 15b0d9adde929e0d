/**
 * Runs async jobs one after another, in the order they were asked for: a lock for work that spans awaits. The
 * polling mirror and the push receiver of one peer's log share one, so neither commits on top of a head the other
 * is still moving (a polling round would otherwise end `stale`, having fetched for nothing).
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(job);
    this.#tail = result.catch(() => {});
    return result;
  }
}
