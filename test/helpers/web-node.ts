/**
 * Real party nodes for the dashboard's browser tests: one PartyNode server per party of the scenario regime (as
 * test/helpers/nodes.ts starts them: real directories, SQLite, witnesses, mirrors, HTTP on 127.0.0.1), filled with
 * the opening of the "European security 2022" scenario through each node's write API (POST /api/submissions), on
 * the real clock: the regime signed (once with a draft's hash), the reciprocal commitments accepted, an activity
 * notified too late, a concern raised, declarations contradicted by two observers, an inspection requested at
 * short notice, and daily monitoring reports (so that one log spans more than one tile). The engine's state and
 * findings are the node's own (GET /api/state, /api/findings): nothing here stands in for the node.
 *
 * The whole scenario, played on its simulated clock by startFederation (src/exercise/federation.ts), replaces the
 * opening below once it lands.
 *
 * `proxy` is a man in the middle in front of the US node that can lie about one log (a flipped byte in entry
 * bundles, or a changed checkpoint), so that a test can check that the browser refuses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Regime } from '../../src/model/index.js';
import { addUser, freePort, initNodes, nonce, PARTIES, type RunningNode, startNode, submit, until } from './nodes.js';

export interface Ref {
  origin: string;
  index: number;
  leafHash: string;
}

export interface Tamper {
  mode: 'none' | 'bundle' | 'checkpoint';
  party: string;
}

export interface WebNodes {
  /** The US node: the one the browser opens. */
  base: string;
  nodes: Map<string, RunningNode>;
  regime: Regime;
  /** Per party: an officer's token (declarant and inspector). */
  tokens: Map<string, string>;
  /** A Russian inspector's token (user "anna"), for the workflow. */
  inspectorToken: string;
  /** The references of the opening's entries, by step name. */
  refs: Map<string, Ref>;
  /** The same US node behind a proxy that lies as `tamper` says. */
  proxy: { base: string; tamper: Tamper };
  origin(party: string): string;
  /** Every node holds every entry submitted so far. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/** The steps of the opening, as each party's officer would submit them (times relative to now). */
function opening(now: number, regimeHash: string): { id: string; party: string; type: string; body: unknown }[] {
  const sign = (regime: string) => ({ regime, id: 'european-security-2022', version: 1 });
  return [
    { id: 'us-signs', party: 'us', type: 'regime-signature', body: sign(regimeHash) },
    // A hash of a draft nobody agreed on: regime.signature-mismatch.
    { id: 'ru-signs-draft', party: 'ru', type: 'regime-signature', body: sign('ab'.repeat(32)) },
    { id: 'ru-signs', party: 'ru', type: 'regime-signature', body: sign(regimeHash) },
    { id: 'nato-signs', party: 'nato', type: 'regime-signature', body: sign(regimeHash) },
    {
      // Ten days before its start, not 42: notification.late.
      id: 'ru-notifies-union-resolve',
      party: 'ru',
      type: 'notification',
      body: {
        kind: 'activity',
        rule: 'vd11-prior-notification',
        name: {
          en: 'Union Resolve (joint exercise with Belarus)',
          ru: 'Союзная решимость (совместное учение с Беларусью)',
        },
        start: iso(now + 10 * DAY),
        end: iso(now + 20 * DAY),
        quantities: [{ category: 'troops', quantity: 30000 }],
      },
    },
    {
      id: 'us-accepts-ukraine',
      party: 'us',
      type: 'commitment-accepted',
      body: { commitment: 'us-ukraine-no-offensive-missiles' },
    },
    {
      id: 'us-accepts-aegis',
      party: 'us',
      type: 'commitment-accepted',
      body: { commitment: 'us-aegis-ashore-transparency' },
    },
    {
      id: 'ru-accepts-ukraine',
      party: 'ru',
      type: 'commitment-accepted',
      body: { commitment: 'ru-ukraine-no-offensive-missiles' },
    },
    {
      id: 'ru-accepts-bases',
      party: 'ru',
      type: 'commitment-accepted',
      body: { commitment: 'ru-ground-missile-base-transparency' },
    },
    {
      id: 'ru-declares',
      party: 'ru',
      type: 'declaration',
      body: {
        form: 'plain',
        asOf: iso(now - DAY).slice(0, 10),
        items: [
          { uid: 'RU-HB-0001', category: 'heavy-bomber', site: 'engels', status: 'deployed' },
          { uid: 'RU-HB-0002', category: 'heavy-bomber', site: 'engels', status: 'deployed' },
          { uid: 'RU-HB-0003', category: 'heavy-bomber', site: 'engels', status: 'non-deployed' },
        ],
        quantities: [
          { category: 'troops', zone: 'ru-ukraine-border-band', quantity: 30000 },
          { category: 'permanent-combat-forces', zone: 'ukraine', quantity: 0 },
        ],
      },
    },
    {
      id: 'us-declares',
      party: 'us',
      type: 'declaration',
      body: {
        form: 'plain',
        asOf: iso(now - DAY).slice(0, 10),
        items: [{ uid: 'US-HB-0001', category: 'heavy-bomber', site: 'minot', status: 'deployed' }],
        quantities: [{ category: 'permanent-combat-forces', zone: 'ukraine', quantity: 0 }],
      },
    },
    ...(['us', 'nato'] as const).map((party, i) => ({
      // Two independent sources, both far above what Russia declared: metric.declaration-contradicted.
      id: `${party}-sees-buildup`,
      party,
      type: 'observation',
      body: {
        subject: 'ru',
        observedAt: iso(now - (2 - i) * 3_600_000),
        place: { zone: 'ru-ukraine-border-band' },
        quantities: [{ category: 'troops', quantity: 100000 + 4000 * i }],
        method: 'overhead-imagery',
        evidence: [],
        metric: 'ru-border-band-troops',
      },
    })),
    {
      id: 'us-concern',
      party: 'us',
      type: 'notification',
      body: {
        kind: 'concern',
        rule: 'vd11-unusual-activity',
        addressee: 'ru',
        statement: {
          en: 'Explain the concentration of forces near the border with Ukraine.',
          ru: 'Просим разъяснить сосредоточение войск у границы с Украиной.',
        },
      },
    },
    {
      // Two days' notice where seven are due: inspection.short-notice.
      id: 'us-requests-luga',
      party: 'us',
      type: 'inspection-request',
      body: {
        inspection: 'ru-ground-missile-base-transparency',
        host: 'ru',
        site: 'luga',
        arrival: iso(now + 2 * DAY),
      },
    },
  ];
}

/** Daily monitoring reports by NATO: nothing with a combat mission in Ukraine. */
function monitoring(now: number, days: number) {
  return Array.from({ length: days }, (_, i) => ({
    type: 'observation',
    body: {
      subject: 'ru',
      observedAt: iso(now - (days - i) * DAY),
      place: { zone: 'ukraine' },
      quantities: [{ category: 'permanent-combat-forces', quantity: 0 }],
      method: 'open-source',
      evidence: [],
    },
  }));
}

/** Starts the three nodes on free ports, plays the opening, and waits until every node holds every entry. */
export async function startWebNodes(tmp: () => string, monitoringDays = 280): Promise<WebNodes> {
  const dirs = initNodes(tmp);
  const ports = new Map<string, number>();
  for (const p of PARTIES) ports.set(p, await freePort());
  const tokens = new Map<string, string>();
  const nodes = new Map<string, RunningNode>();
  let inspectorToken = '';
  for (const p of PARTIES) {
    const dir = dirs.get(p)!;
    tokens.set(p, addUser(dir, p, `${p}-officer`, ['declarant', 'inspector']));
    if (p === 'ru') inspectorToken = addUser(dir, p, 'anna', ['inspector']);
    const peers = PARTIES.filter((q) => q !== p).map((q) => ({ party: q, url: `http://127.0.0.1:${ports.get(q)}` }));
    nodes.set(p, await startNode(dir, ports.get(p)!, peers));
  }
  const us = nodes.get('us')!;
  const regime = us.node.regime;
  const refs = new Map<string, Ref>();
  const post = async (party: string, type: string, body: unknown): Promise<Ref> => {
    const { status, json } = await submit(nodes.get(party)!.url, tokens.get(party)!, { nonce: nonce(), type, body });
    if (status !== 201) throw new Error(`${party} ${type}: ${status} ${JSON.stringify(json)}`);
    return { origin: json.origin, index: json.index, leafHash: json.leafHash };
  };
  const now = Date.now();
  for (const step of opening(now, us.node.regimeHash)) refs.set(step.id, await post(step.party, step.type, step.body));
  // Concurrent submissions: the node batches them.
  await Promise.all(monitoring(now, monitoringDays).map((m) => post('nato', m.type, m.body)));

  const total = () => PARTIES.reduce((n, p) => n + nodes.get(p)!.node.servedSize(nodes.get(p)!.node.logByParty(p)!), 0);
  const settle = () =>
    until(
      'every node holds every entry',
      () => [...nodes.values()].every((n) => n.node.allEntries().length === total()),
      30_000,
    );
  await settle();

  const tamper: Tamper = { mode: 'none', party: 'us' };
  const proxy = await startProxy(us.url, tamper);
  return {
    base: us.url,
    nodes,
    regime,
    tokens,
    inspectorToken,
    refs,
    proxy: { base: proxy.base, tamper },
    origin: (party) => regime.parties.find((p) => p.id === party)!.origin,
    settle,
    async close() {
      await new Promise((r) => proxy.server.close(r));
      for (const n of nodes.values()) await n.close();
    },
  };
}

/** A GET-only man in the middle: passes everything through, and lies about one log as `tamper` says. */
async function startProxy(target: string, tamper: Tamper): Promise<{ base: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { accept: req.headers.accept ?? '*/*' },
      });
      let body = Buffer.from(await upstream.arrayBuffer());
      const prefix = `/logs/${tamper.party}/`;
      const rest = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : undefined;
      if (tamper.mode === 'bundle' && rest?.startsWith('tile/entries/')) {
        // Backdate every entry by a decade ("202x-" → "201x-"): still well-formed entries, but the bytes no longer
        // hash to the leaves the log committed to.
        for (let at = body.indexOf('"issuedAt":"20'); at >= 0; at = body.indexOf('"issuedAt":"20', at + 1)) {
          body[at + 14] = body[at + 14] === 0x32 ? 0x31 : 0x32;
        }
      }
      if (tamper.mode === 'checkpoint' && rest === 'checkpoint') {
        // Another root under the same signature: the log's key did not sign this.
        const lines = body.toString('utf8').split('\n');
        const root = Buffer.from(lines[2]!, 'base64');
        root[0] = root[0]! ^ 1;
        lines[2] = root.toString('base64');
        body = Buffer.from(lines.join('\n'));
      }
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'cache-control', 'content-security-policy']) {
        const v = upstream.headers.get(h);
        if (v) headers[h] = v;
      }
      res.writeHead(upstream.status, { ...headers, 'content-length': body.length });
      res.end(body);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
