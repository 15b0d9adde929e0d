/**
 * The members of a party who may submit statements through its node: a name, the party, roles, and the SHA-256
 * of a 256-bit random bearer token (the token itself is shown once, at creation, and never stored). The nonces
 * users have spent are not here: they are idempotency keys in the log's own store, written in the transaction that
 * writes their entries (submissions.ts).
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
`;

/** Roles a user may hold: those that sign entries. */
export const USER_ROLES = ['declarant', 'inspector'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  name: string;
  party: string;
  roles: UserRole[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * How long a token, once found, is trusted without asking the database again: every submission authenticates, and
 * the lookup is a measurable share of its cost. Users are only ever added; if removal comes, it waits this long.
 */
const AUTH_CACHE_MS = 60_000;
const AUTH_CACHE_SIZE = 1024;

export class UserStore {
  readonly #db: Database.Database;
  readonly #suite: CryptoSuite;
  readonly #stmt;
  readonly #recent = new Map<string, { user: User; until: number }>();

  private constructor(db: Database.Database, suite: CryptoSuite) {
    this.#db = db;
    this.#suite = suite;
    this.#stmt = {
      add: db.prepare('INSERT INTO users (name, party, roles, token_sha256, created) VALUES (?, ?, ?, ?, ?)'),
      byToken: db.prepare('SELECT name, party, roles, token_sha256 AS hash FROM users WHERE token_sha256 = ?'),
      list: db.prepare('SELECT name, party, roles FROM users ORDER BY name'),
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
    const now = Date.now();
    const recent = this.#recent.get(token);
    if (recent && recent.until > now) return recent.user;
    const user = this.#lookup(token);
    if (user) {
      if (this.#recent.size >= AUTH_CACHE_SIZE) this.#recent.clear();
      this.#recent.set(token, { user, until: now + AUTH_CACHE_MS });
    }
    return user;
  }

  #lookup(token: string): User | undefined {
    const hash = this.#hash(token);
    const row = this.#stmt.byToken.get(hash) as
      | { name: string; party: string; roles: string; hash: string }
      | undefined;
    // The lookup is by hash, so timing reveals nothing about the token; compare anyway, in constant time.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return undefined;
    // Frozen: the same object answers every request for the next minute.
    return Object.freeze({ name: row.name, party: row.party, roles: Object.freeze(JSON.parse(row.roles)) });
  }

  close(): void {
    this.#db.close();
  }
}
