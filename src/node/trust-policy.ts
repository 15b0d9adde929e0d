/**
 * The C2SP tlog-policy of each party's log, derived from the regime: the log's key, every other party's witness
 * key (named by party id), and a quorum of `witnessQuorum` of them (the regime's field; default all). A regime
 * with one party gives `quorum none`. `detente policy` writes these files, and nodes serve them at
 * `GET /logs/<party>/policy`.
 */
import { fromBase64 } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { formatVerifierKey } from '../crypto/vkey.js';
import type { Regime } from '../model/index.js';
import { formatPolicy, type TlogPolicy } from '../tlog/policy.js';
import { witnessVkeyOf } from './config.js';

/** The group every other party's witness belongs to. Not a valid party id (ids have no upper case). */
export const WITNESS_GROUP = 'Witnesses';

export function logPolicy(regime: Regime, partyId: string, suite: CryptoSuite): TlogPolicy {
  const party = regime.parties.find((p) => p.id === partyId);
  if (!party) fail('BAD_INPUT', `no party ${JSON.stringify(partyId)} in the regime`);
  const logKey = party.keys.find((k) => k.roles.includes('log'));
  if (!logKey?.publicKey) fail('KEY_UNKNOWN', `party ${party.id} has no log key with a public key`);
  const witnesses = regime.parties
    .filter((p) => p.id !== party.id)
    .flatMap((p) => {
      const vkey = witnessVkeyOf(p, suite);
      return vkey === undefined ? [] : [{ name: p.id, vkey }];
    });
  const n = witnesses.length;
  const k = regime.witnessQuorum ?? n;
  if (n > 0 && k > n) {
    fail('REGIME_INVALID', `witnessQuorum ${k}: the log of ${party.id} has only ${n} other parties' witnesses`);
  }
  return {
    logs: [{ vkey: formatVerifierKey(suite.sha256, party.origin, fromBase64(logKey.publicKey)) }],
    witnesses,
    groups:
      n === 0
        ? []
        : [
            {
              name: WITNESS_GROUP,
              threshold: k,
              spelling: k === n ? 'all' : 'k',
              members: witnesses.map((w) => w.name),
            },
          ],
    quorum: n === 0 ? 'none' : WITNESS_GROUP,
  };
}

/** The policy file of a party's log. */
export function logPolicyText(regime: Regime, partyId: string, suite: CryptoSuite): string {
  return `# tlog-policy of the log of ${partyId} in regime ${regime.id} v${regime.version}\n${formatPolicy(logPolicy(regime, partyId, suite))}`;
}
