/**
 * A stand-in for the party node, for the dashboard's browser tests, built from real parts: one SQLite log per party
 * of the scenario regime (the regime parsed with parseRegime, keys generated per key id), filled with real signed
 * entries (signEntry/encodeEntry), served by the real tilesPlugin under /logs/<party>, and the real webPlugin at /.
 *
 * The small /api/regime, /api/entries, /api/entries/<origin>/<index>, /api/me and /api/submissions below are
 * implemented here from the same stores, following docs/API.md. The node's server (src/api/server.ts) replaces
 * them: once it exists, these tests should start the real node running the scenario instead.
 *
 * `tamper` makes the server lie about one log (a flipped byte in entry bundles, or a changed checkpoint), so that
 * a test can check that the browser refuses it.
 */

import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { tilesPlugin } from '../../src/api/tiles.js';
import { webPlugin } from '../../src/api/web.js';
import { toBase64, toHex, utf8 } from '../../src/crypto/bytes.js';
import { parseNote } from '../../src/crypto/note.js';
import { formatSignerKey, parseSignerKey } from '../../src/crypto/vkey.js';
import { LogWriter } from '../../src/log/log-writer.js';
import { inclusionProofFromStore } from '../../src/log/proofs.js';
import {
  buildEnvelope,
  decodeEntry,
  ENTRY_ROLE,
  type Envelope,
  type EnvelopeFields,
  encodeEntry,
  parseEnvelope,
  type Regime,
  regimeHash,
  signEntry,
  verifyEntry,
} from '../../src/model/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../../src/tlog/hasher.js';
import { loadScenario, seedOf, suite } from '../model-helpers.js';
import { listen, quietApp } from './logs.js';

const hasher = new Rfc6962Hasher(suite.sha256);

export interface PartyLog {
  party: string;
  origin: string;
  prefix: string;
  vkey: string;
  store: SqliteStore;
  writer: LogWriter;
}

export interface WebNode {
  base: string;
  app: FastifyInstance;
  regime: Regime;
  logs: PartyLog[];
  /** Users: token → party and roles. */
  tokens: Record<string, { user: string; party: string; roles: string[] }>;
  tamper: { mode: 'none' | 'bundle' | 'checkpoint'; party: string };
  append(party: string, fields: Omit<EnvelopeFields, 'party' | 'key'>): { index: number; leafHash: string };
  close(): Promise<void>;
}

const t0 = Date.parse('2022-01-26T12:00:00Z');
const at = (hours: number) => new Date(t0 + hours * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

function keyFor(regime: Regime, party: string, role: string): string {
  const p = regime.parties.find((x) => x.id === party)!;
  return p.keys.find((k) => k.roles.includes(role as never))!.id;
}

/** Starts the stand-in node with the scenario's three logs; `filler` extra entries in the US log (to span tiles). */
export async function startWebNode(dir: string, filler = 300): Promise<WebNode> {
  const regime = loadScenario();
  const hash = regimeHash(regime, suite.sha256);
  const logs: PartyLog[] = regime.parties.map((p) => {
    const logKey = p.keys.find((k) => k.roles.includes('log'))!.id;
    const signer = parseSignerKey(formatSignerKey(suite, p.origin, seedOf(logKey)), suite);
    const store = SqliteStore.open(join(dir, `${p.id}.sqlite`), p.origin, { create: true });
    const writer = new LogWriter(store, hasher, signer);
    writer.init();
    return { party: p.id, origin: p.origin, prefix: `/logs/${p.id}`, vkey: signer.verifierKey, store, writer };
  });
  const logOf = (party: string) => logs.find((l) => l.party === party)!;

  const sign = (party: string, fields: Omit<EnvelopeFields, 'party' | 'key'>): Uint8Array => {
    const key = keyFor(regime, party, ENTRY_ROLE[fields.type as Envelope['type']]);
    const envelope = buildEnvelope({ ...fields, party, key } as EnvelopeFields);
    const signed = signEntry(suite, envelope, seedOf(key));
    verifyEntry(suite, regime, signed);
    return encodeEntry(signed);
  };
  const append = (party: string, fields: Omit<EnvelopeFields, 'party' | 'key'>) => {
    const leaf = sign(party, fields);
    const log = logOf(party);
    const size = log.store.head()!.size;
    log.writer.append([leaf]);
    return { index: size, leafHash: toHex(hasher.hashLeaf(leaf)) };
  };

  // The scenario's opening moves, as each party would log them.
  for (const [i, p] of regime.parties.entries()) {
    append(p.id, {
      type: 'regime-signature',
      issuedAt: at(i),
      body: { regime: hash, id: regime.id, version: regime.version },
    } as never);
  }
  append('us', {
    type: 'commitment-accepted',
    issuedAt: at(24),
    body: { commitment: 'us-ukraine-no-offensive-missiles' },
  } as never);
  append('ru', {
    type: 'commitment-accepted',
    issuedAt: at(30),
    body: { commitment: 'ru-ukraine-no-offensive-missiles' },
  } as never);
  const activity = append('ru', {
    type: 'notification',
    issuedAt: at(48),
    body: {
      kind: 'activity',
      rule: 'vd11-prior-notification',
      name: { en: 'Exercise Union Resolve', ru: 'Учение «Союзная решимость»' },
      start: at(24 * 45),
      end: at(24 * 55),
      quantities: [{ category: 'troops', quantity: 12000 }],
    },
  } as never);
  append('us', {
    type: 'acknowledgement',
    issuedAt: at(60),
    body: { notification: { origin: logOf('ru').origin, ...activity } },
  } as never);
  append('us', {
    type: 'inspection-request',
    issuedAt: at(72),
    body: { inspection: 'ru-ground-missile-base-transparency', host: 'ru', site: 'luga', arrival: at(72 + 24 * 8) },
  } as never);
  append('nato', {
    type: 'observation',
    issuedAt: at(96),
    body: {
      subject: 'ru',
      observedAt: at(90),
      place: { zone: 'ru-ukraine-border-band' },
      quantities: [{ category: 'troops', quantity: 98000 }],
      method: 'overhead-imagery',
      evidence: [],
      metric: 'ru-border-band-troops',
    },
  } as never);
  // Filler: daily observations, so that the US log spans more than one tile.
  const us = logOf('us');
  const batch: Uint8Array[] = [];
  for (let i = 0; i < filler; i++) {
    batch.push(
      sign('us', {
        type: 'observation',
        issuedAt: at(100 + i),
        body: {
          subject: 'ru',
          observedAt: at(99 + i),
          place: { zone: 'ru-ukraine-border-band' },
          quantities: [{ category: 'troops', quantity: 100000 - i * 200 }],
          method: 'open-source',
          evidence: [],
          metric: 'ru-border-band-troops',
        },
      } as never),
    );
  }
  if (batch.length) us.writer.append(batch);

  const app = quietApp();
  const tamper: WebNode['tamper'] = { mode: 'none', party: 'us' };
  app.addHook('onSend', async (request, reply, payload) => {
    if (tamper.mode === 'none') return payload;
    const prefix = `/logs/${tamper.party}/`;
    if (!request.url.startsWith(prefix)) return payload;
    const rest = request.url.slice(prefix.length);
    if (tamper.mode === 'bundle' && rest.startsWith('tile/entries/') && Buffer.isBuffer(payload)) {
      // Backdate every entry by ten months ("2022-1…" → "2022-0…" and back): still well-formed entries, but the
      // bytes no longer hash to the leaves the log committed to.
      const copy = Buffer.from(payload);
      for (let at = copy.indexOf('"issuedAt":"2022-'); at >= 0; at = copy.indexOf('"issuedAt":"2022-', at + 1)) {
        copy[at + 17] = copy[at + 17] === 0x30 ? 0x31 : 0x30;
      }
      reply.header('content-length', copy.length);
      return copy;
    }
    if (tamper.mode === 'checkpoint' && rest === 'checkpoint' && typeof payload === 'string') {
      // Another root under the same signature: the log's key did not sign this.
      const { text } = parseNote(payload);
      const lines = text.split('\n');
      const root = Buffer.from(lines[2]!, 'base64');
      root[0] = root[0]! ^ 1;
      return payload.replace(lines[2]!, root.toString('base64'));
    }
    return payload;
  });

  await app.register(tilesPlugin, {
    logs: logs.map((l) => ({ prefix: l.prefix, store: l.store, vkey: l.vkey })),
    cacheBytes: 0,
  });

  // ---- Stand-ins for the node's /api (docs/API.md); src/api/server.ts replaces them. ----
  app.get('/api/regime', async () => ({ hash, regime }));
  app.get('/api/health', async () => ({ ok: true, party: 'us', origin: us.origin, size: us.store.head()!.size }));

  const summaries = () => {
    const all = logs.flatMap((l) => {
      const size = l.store.head()!.size;
      return [...l.store.entries(0, size)].map((bytes, index) => {
        const { envelope } = decodeEntry(bytes);
        const body = envelope.body as Record<string, unknown>;
        return {
          origin: l.origin,
          index,
          leafHash: toHex(hasher.hashLeaf(bytes)),
          party: envelope.party,
          type: envelope.type,
          issuedAt: envelope.issuedAt,
          summary: [body.kind, body.inspection, body.site, body.commitment, body.rule].filter(Boolean).join(' · '),
        };
      });
    });
    return all.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.origin.localeCompare(b.origin));
  };
  app.get<{ Querystring: { party?: string; type?: string; offset?: string; limit?: string } }>(
    '/api/entries',
    async (request) => {
      const q = request.query;
      const rows = summaries().filter((e) => (!q.party || e.party === q.party) && (!q.type || e.type === q.type));
      const offset = Number(q.offset ?? 0);
      const limit = Math.min(1000, Number(q.limit ?? 100));
      return { total: rows.length, entries: rows.slice(offset, offset + limit) };
    },
  );
  // The origin contains a slash: it travels as one encoded segment (or as several), the index is the last one.
  app.get<{ Params: { '*': string } }>('/api/entries/*', async (request, reply) => {
    const parts = request.params['*'].split('/');
    const index = Number(parts.pop());
    const origin = decodeURIComponent(parts.join('/'));
    const log = logs.find((l) => l.origin === origin);
    const head = log?.store.head();
    if (!log || !head || !Number.isSafeInteger(index) || index < 0 || index >= head.size) {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no entry ${index} in ${origin}` } });
    }
    const bytes = log.store.entry(index)!;
    const signed = decodeEntry(bytes);
    const proof = inclusionProofFromStore(log.store, hasher, index, head.size);
    return {
      origin,
      index,
      leafHash: toHex(proof.leafHash),
      entryBase64: toBase64(bytes),
      envelope: signed.envelope,
      sig: toBase64(signed.signature),
      proof: { size: head.size, proof: proof.proof.map(toBase64) },
      checkpoint: head.checkpoint,
      cosignatures: [],
      vkey: log.vkey,
    };
  });

  const tokens: WebNode['tokens'] = {};
  const userOf = (auth: string | undefined) => tokens[(auth ?? '').replace(/^Bearer /, '')];
  app.get('/api/me', async (request, reply) => {
    const user = userOf(request.headers.authorization);
    if (!user) return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: 'no or unknown token' } });
    return user;
  });
  app.post<{ Body: { nonce: string; type: Envelope['type']; body: unknown } }>(
    '/api/submissions',
    async (request, reply) => {
      const user = userOf(request.headers.authorization);
      if (!user) return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: 'no or unknown token' } });
      const { type, body } = request.body;
      if (!user.roles.includes(ENTRY_ROLE[type])) {
        return reply.code(403).send({ error: { code: 'ROLE_DENIED', message: `${type} needs ${ENTRY_ROLE[type]}` } });
      }
      try {
        const key = keyFor(regime, user.party, ENTRY_ROLE[type]);
        parseEnvelope({ v: 1, type, party: user.party, key, issuedAt: at(0), body, refs: [] });
        const { index, leafHash } = append(user.party, {
          type,
          issuedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          body,
        } as never);
        const log = logOf(user.party);
        const head = log.store.head()!;
        const proof = inclusionProofFromStore(log.store, hasher, index, head.size);
        return reply
          .code(201)
          .send({ origin: log.origin, index, leafHash, checkpoint: head.checkpoint, proof: proof.proof.map(toBase64) });
      } catch (err) {
        const e = err as Error & { code?: string; problems?: { path: string }[] };
        return reply
          .code(400)
          .send({ error: { code: e.code ?? 'SCHEMA_INVALID', message: e.message, path: e.problems?.[0]?.path } });
      }
    },
  );

  await app.register(webPlugin);
  const { base } = await listen(app);
  return {
    base,
    app,
    regime,
    logs,
    tokens,
    tamper,
    append,
    async close() {
      await app.close();
      for (const l of logs) l.store.close();
    },
  };
}

export const entryBytes = (s: string) => utf8(s);
