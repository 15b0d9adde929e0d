/**
 * The members of a party who may submit statements through its node: a name, the party, roles, and the SHA-256
 * of a 256-bit random bearer token (the token itself is shown once, at creation, and never stored). Also the
 * nonces each user has used, so that a replayed submission is refused.
 *
 * A nonce is reserved (with the leaf hash of the entry it produced and the log size at the time) before its batch
 * is appended, confirmed with the entry's index after the batch commits, and released if the submission is
 * refused. After a crash, a reservation that was never confirmed is resolved by looking for its leaf hash in the
 * log from the recorded size on: found, it is confirmed (the entry is durable, the nonce stays used); not found,
 * it is released. So a nonce is used exactly when its entry is in the log.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { Role } from '../model/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, party TEXT NOT NULL, roles TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE, created INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS nonces (user TEXT NOT NULL, nonce TEXT NOT NULL, leaf_hash TEXT NOT NULL,
  reserved_at_size INTEGER NOT NULL, idx INTEGER, at INTEGER NOT NULL, PRIMARY KEY (user, nonce)) STRICT;
`;

/** Roles a user may hold: those that sign entries. */
export const USER_ROLES = ['declarant', 'inspector'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  name: string;
  party: string;
  roles: UserRole[];
}

export type NonceState = { status: 'fresh' } | { status: 'used'; index: number | null };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export class UserStore {
  readonly #db: Database.Database;
  readonly #suite: CryptoSuite;
  readonly #stmt;

  private constructor(db: Database.Database, suite: CryptoSuite) {
    this.#db = db;
    this.#suite = suite;
    this.#stmt = {
      add: db.prepare('INSERT INTO users (name, party, roles, token_sha256, created) VALUES (?, ?, ?, ?, ?)'),
      byToken: db.prepare('SELECT name, party, roles, token_sha256 AS hash FROM users WHERE token_sha256 = ?'),
      list: db.prepare('SELECT name, party, roles FROM users ORDER BY name'),
      reserve: db.prepare(
        'INSERT OR IGNORE INTO nonces (user, nonce, leaf_hash, reserved_at_size, idx, at) VALUES (?, ?, ?, ?, NULL, ?)',
      ),
      nonce: db.prepare('SELECT idx FROM nonces WHERE user = ? AND nonce = ?'),
      confirm: db.prepare('UPDATE nonces SET idx = ? WHERE user = ? AND nonce = ?'),
      release: db.prepare('DELETE FROM nonces WHERE user = ? AND nonce = ? AND idx IS NULL'),
      // In reservation order, which is the order of the batch in the log (see recover).
      pending: db.prepare(
        'SELECT user, nonce, leaf_hash AS leafHash, reserved_at_size AS size FROM nonces WHERE idx IS NULL ORDER BY rowid',
      ),
    };
  }

  static open(path: string, suite: CryptoSuite): UserStore {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 10000');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    return new UserStore(db, suite);
  }

  #hash(token: string): string {
    return toHex(this.#suite.sha256(new TextEncoder().encode(token)));
  }

  /** Creates a user and returns its token (shown once: only its hash is kept). */
  add(name: string, party: string, roles: readonly string[]): { user: User; token: string } {
    if (!NAME.test(name)) fail('BAD_INPUT', `user name ${JSON.stringify(name)}: expected 1-64 of A-Z a-z 0-9 . _ @ -`);
    if (roles.length === 0) fail('BAD_INPUT', 'a user needs at least one role');
    for (const r of roles) {
      if (!Role.safeParse(r).success || !(USER_ROLES as readonly string[]).includes(r)) {
        fail('BAD_INPUT', `role ${JSON.stringify(r)}: a user may hold ${USER_ROLES.join(', ')}`);
      }
    }
    const token = `dt_${randomBytes(32).toString('base64url')}`;
    const user: User = { name, party, roles: [...new Set(roles)] as UserRole[] };
    try {
      this.#stmt.add.run(name, party, JSON.stringify(user.roles), this.#hash(token), Date.now());
    } catch (err) {
      if (String((err as Error).message).includes('UNIQUE')) fail('BAD_INPUT', `user ${name} already exists`);
      throw err;
    }
    return { user, token };
  }

  list(): User[] {
    return (this.#stmt.list.all() as { name: string; party: string; roles: string }[]).map((r) => ({
      ...r,
      roles: JSON.parse(r.roles),
    }));
  }

  /** The user a bearer token belongs to, or undefined. */
  authenticate(token: string): User | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return undefined;
    const hash = this.#hash(token);
    const row = this.#stmt.byToken.get(hash) as
      | { name: string; party: string; roles: string; hash: string }
      | undefined;
    // The lookup is by hash, so timing reveals nothing about the token; compare anyway, in constant time.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return undefined;
    return { name: row.name, party: row.party, roles: JSON.parse(row.roles) };
  }

  /**
   * Reserves the nonces of a batch in one durable transaction, before the batch is appended. Returns the
   * positions of items whose nonce was already taken (the caller refuses those).
   */
  reserveMany(
    items: readonly { user: string; nonce: string; leafHash: string }[],
    logSize: number,
    confirm: readonly { user: string; nonce: string; index: number }[] = [],
  ): Set<number> {
    const taken = new Set<number>();
    const now = Date.now();
    this.#db.transaction(() => {
      // Confirmations of the previous batch ride along: one durable transaction per batch, not two.
      for (const i of confirm) this.#stmt.confirm.run(i.index, i.user, i.nonce);
      items.forEach((i, k) => {
        if (this.#stmt.reserve.run(i.user, i.nonce, i.leafHash, logSize, now).changes !== 1) taken.add(k);
      });
    })();
    return taken;
  }

  nonce(user: string, nonce: string): NonceState {
    const row = this.#stmt.nonce.get(user, nonce) as { idx: number | null } | undefined;
    return row ? { status: 'used', index: row.idx } : { status: 'fresh' };
  }

  confirmMany(items: readonly { user: string; nonce: string; index: number }[]): void {
    this.#db.transaction(() => {
      for (const i of items) this.#stmt.confirm.run(i.index, i.user, i.nonce);
    })();
  }

  release(user: string, nonce: string): void {
    this.#stmt.release.run(user, nonce);
  }

  releaseMany(items: readonly { user: string; nonce: string }[]): void {
    this.#db.transaction(() => {
      for (const i of items) this.#stmt.release.run(i.user, i.nonce);
    })();
  }

  /**
   * After a restart: confirm reservations whose entry made it into the log, release the others.
   *
   * Two submissions can make byte-identical entries (same user, type and body in the same millisecond: the nonce is
   * not part of the entry), so a leaf hash may occur more than once from a reservation's size on. `findLeaf` must
   * then skip the indexes already `claimed`: reservations are visited in the order they were made, which is the
   * order their entries were appended, so the k-th reservation of a leaf hash gets its k-th occurrence, not the
   * first one again.
   */
  recover(findLeaf: (leafHash: string, from: number, claimed: ReadonlySet<number>) => number | undefined): {
    confirmed: number;
    released: number;
  } {
    let confirmed = 0;
    let released = 0;
    const claimed = new Set<number>();
    for (const p of this.#stmt.pending.all() as { user: string; nonce: string; leafHash: string; size: number }[]) {
      const index = findLeaf(p.leafHash, p.size, claimed);
      if (index === undefined) {
        this.release(p.user, p.nonce);
        released++;
      } else {
        claimed.add(index);
        this.#stmt.confirm.run(index, p.user, p.nonce);
        confirmed++;
      }
    }
    return { confirmed, released };
  }

  close(): void {
    this.#db.close();
  }
}
