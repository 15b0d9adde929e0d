import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { parseCheckpoint } from '../src/tlog/checkpoint.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { textsDifference } from './helpers/json-difference.js';
import {
  addUser,
  initNodes,
  nonce,
  PARTIES,
  type RunningNode,
  regimeSignature,
  startParties,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-party-');
const hasher = new Rfc6962Hasher(suite.sha256);

describe('three party nodes on loopback', () => {
  const nodes = new Map<string, RunningNode>();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    for (const p of PARTIES) tokens.set(p, addUser(dirs.get(p)!, p, `${p}-officer`, ['declarant', 'inspector']));
    for (const [p, n] of await startParties(dirs)) nodes.set(p, n);
  });

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  it('statements flow: each party signs the regime, with a receipt that proves inclusion', async () => {
    for (const p of PARTIES) {
      const n = nodes.get(p)!;
      const { status, json } = await submit(n.url, tokens.get(p)!, regimeSignature(n.node));
      expect(status, JSON.stringify(json)).toBe(201);
      expect(json.origin).toBe(n.node.party.origin);
      const cp = parseCheckpoint(parseNote(json.checkpoint).text);
      verifyInclusion(
        hasher,
        json.index,
        cp.size,
        fromBase64Hex(json.leafHash),
        json.proof.map((h: string) => fromBase64(h)),
        cp.root,
      );
    }
  });

  it('every node mirrors every other, and an entry may refer to a mirrored one', async () => {
    await until('all mirrors caught up', () =>
      [...nodes.values()].every((n) =>
        [...n.node.mirrors.keys()].every((q) => n.node.servedSize(n.node.logByParty(q)!) >= 1),
      ),
    );
    const us = nodes.get('us')!;
    const ru = nodes.get('ru')!;
    const first = us.node.allEntries().find((e) => e.party === 'us')!;
    const ack = await submit(ru.url, tokens.get('ru')!, {
      nonce: nonce(),
      type: 'acknowledgement',
      body: { notification: { origin: first.origin, index: first.index, leafHash: first.leafHash } },
    });
    expect(ack.status, JSON.stringify(ack.json)).toBe(201);
    await until('the acknowledgement reaches us', () => us.node.servedSize(us.node.logByParty('ru')!) >= 2);
    const entries = us.node.allEntries();
    expect(entries.filter((e) => e.party === 'ru').map((e) => e.envelope.type)).toEqual([
      'regime-signature',
      'acknowledgement',
    ]);
    const list = await (await fetch(`${us.url}/logs`)).json();
    expect(list.logs.map((l: any) => l.party).sort()).toEqual(['nato', 'ru', 'us']);
  });

  it('cosignatures accumulate: each log is cosigned by both other parties, and countedAt follows them', async () => {
    await until('cosignatures from both peers on every log', async () => {
      for (const n of nodes.values()) {
        const own = n.node.logByParty(n.party)!;
        const size = n.node.servedSize(own);
        if (n.node.cosignatures(own, size).length < 2) return false;
      }
      return true;
    });
    const us = nodes.get('us')!;
    const detail = await (await fetch(`${us.url}/api/entries/${encodeURIComponent('detente.example/us')}/0`)).json();
    expect(detail.cosignatures.length).toBe(2);
    expect(detail.envelope.type).toBe('regime-signature');
    // A peer collects the cosignatures of the logs it mirrors.
    const ru = nodes.get('ru')!;
    await until('ru holds cosignatures of the us log', () => {
      const log = ru.node.logByParty('us')!;
      return ru.node.cosignatures(log, ru.node.servedSize(log)).length >= 2;
    });
  });

  it('gossip finds no fork among honest nodes', async () => {
    for (const n of nodes.values()) expect(await n.node.gossipRound()).toEqual([]);
  });

  it('every node computes the same state and findings, byte for byte', async () => {
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    const fetchAll = async (path: string) =>
      Promise.all([...nodes.values()].map(async (n) => (await fetch(`${n.url}${path}?asOf=${asOf}`)).text()));
    let states: string[] = [];
    await until(
      'the three nodes agree',
      async () => {
        states = await fetchAll('/api/state');
        return states.every((s) => s === states[0]);
      },
      20_000,
      () => textsDifference(states, [...nodes.keys()]),
    );
    const state = JSON.parse(states[0]!);
    expect(state.entries.total).toBe(4);
    expect(state.regime.signatures ?? state.regime).toBeTruthy();
    const findings = await fetchAll('/api/findings');
    expect(new Set(findings).size).toBe(1);
    expect(Array.isArray(JSON.parse(findings[0]!).findings)).toBe(true);
    expect((await fetch(`${nodes.get('us')!.url}/api/state?asOf=not-a-date`)).status).toBe(400);
    // As of a date before every entry: the fold of the entries counted by then (none).
    const before = await fetch(`${nodes.get('us')!.url}/api/state?asOf=2020-01-01`);
    expect(before.status).toBe(200);
    expect((await before.json()).entries.total).toBe(0);
  });
});

function fromBase64Hex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
