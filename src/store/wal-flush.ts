/**
 * Group commit for a SQLite file in WAL mode whose transactions commit with synchronous=NORMAL (no fsync on the
 * event loop): `flush()` resolves once an fsync of the WAL file that started after the call has returned, on libuv's
 * thread pool. Callers that arrive while one runs share the next. An fsync of the WAL covers every frame written
 * before it, so every transaction committed before the call is then on disk and recovery replays it
 * (https://sqlite.org/pragma.html#pragma_synchronous, https://sqlite.org/wal.html). One implementation,
 * used by `SqliteStore.appendDeferred` (the log store) and by the witness's state.
 */
import { closeSync, fsync, openSync } from 'node:fs';

export class WalFlush {
  readonly #walPath: string;
  #fd: number | undefined;
  #flushing: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  /** `dbPath`: the database file (its WAL is `<dbPath>-wal`, present while a connection in WAL mode is open). */
  constructor(dbPath: string) {
    this.#walPath = `${dbPath}-wal`;
  }

  /** Resolves once everything committed before this call is durable. */
  flush(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#flushing) {
      const running = this.#fsync().finally(() => {
        if (this.#flushing === running) this.#flushing = undefined;
      });
      this.#flushing = running;
      return running;
    }
    const next = this.#flushing
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.#next = undefined;
        return this.flush();
      });
    this.#next = next;
    return next;
  }

  #fsync(): Promise<void> {
    this.#fd ??= openSync(this.#walPath, 'r');
    const fd = this.#fd;
    return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the WAL's descriptor, once the flushes in flight have returned. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    const pending = this.#next ?? this.#flushing;
    if (!pending) closeSync(fd);
    else pending.catch(() => {}).finally(() => closeSync(fd));
  }
}
