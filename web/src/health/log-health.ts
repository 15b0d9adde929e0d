/**
 * Who vouches for each log's head, checked in the browser: the served checkpoint's log signature, then every
 * cosignature line on it, verified with the keys the regime gives each party for its witness (`<origin>/witness`,
 * "I saw this head and it extends what I saw before") and its mirror (`<origin>/mirror`, C2SP tlog-mirror: "my node
 * durably holds a copy of this log up to here"). Each cosignature carries the time its signer put in it. A party
 * that should have cosigned and did not is listed too, without a tick. The key names are the node's
 * (src/node/config.ts witnessName, mirrorName).
 */
import { fromBase64, toHex } from '../../../src/crypto/bytes.js';
import { parseNote } from '../../../src/crypto/note.js';
import { portableSuite } from '../../../src/crypto/suite.js';
import { parseVerifierKey } from '../../../src/crypto/vkey.js';
import type { Party, Regime } from '../../../src/model/index.js';
import { openCheckpoint } from '../../../src/tlog/checkpoint.js';
import { type CosignatureVerifier, cosignatureVerifier, verifyCosignature } from '../../../src/tlog/cosignature.js';
import type { LogInfo } from '../api/client.js';

export type CosignerRole = 'witness' | 'mirror';

export interface Cosigner {
  party: string;
  role: CosignerRole;
  /** When the signer says it cosigned (ms since the epoch), if its cosignature is on the served checkpoint. */
  at?: number;
  /** Present and verified over this checkpoint with the regime's key. */
  verified: boolean;
  /** Present but failed to verify (kept apart: never shown as a receipt). */
  problem?: string;
}

export interface LogHealth {
  origin: string;
  party?: string;
  /** The checkpoint opened with the log's key, or why it could not be. */
  size?: number;
  /** The root as the checkpoint writes it (base64) and in hex (as the API's leaf hashes). */
  rootBase64?: string;
  rootHex?: string;
  error?: string;
  cosigners: Cosigner[];
}

function keyFor(party: Party, role: CosignerRole): CosignatureVerifier | undefined {
  const key = party.keys.find((k) => k.roles.includes(role));
  if (!key?.publicKey) return undefined;
  return cosignatureVerifier(portableSuite, `${party.origin}/${role}`, fromBase64(key.publicKey));
}

/** Every other party's witness and mirror, checked against the checkpoint note the node served for `log`. */
export function logHealth(log: LogInfo, note: string, regime: Regime): LogHealth {
  const owner = regime.parties.find((p) => p.origin === log.origin);
  const out: LogHealth = { origin: log.origin, party: owner?.id, cosigners: [] };
  let text: string;
  try {
    const opened = openCheckpoint(note, parseVerifierKey(log.vkey, portableSuite));
    text = opened.note.text;
    out.size = opened.checkpoint.size;
    out.rootBase64 = parseNote(note).text.split('\n')[2];
    out.rootHex = toHex(opened.checkpoint.root);
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
    return out;
  }
  const lines = parseNote(note).signatures;
  for (const party of regime.parties) {
    if (party.origin === log.origin) continue;
    for (const role of ['witness', 'mirror'] as const) {
      const verifier = keyFor(party, role);
      if (!verifier) continue;
      const sig = lines.find((s) => s.name === verifier.name);
      const row: Cosigner = { party: party.id, role, verified: false };
      if (sig) {
        try {
          row.at = verifyCosignature(verifier, text, sig).timestamp * 1000;
          row.verified = true;
        } catch (err) {
          row.problem = err instanceof Error ? err.message : String(err);
        }
      }
      out.cosigners.push(row);
    }
  }
  return out;
}

/** Signature lines the node served that no party's witness or mirror key claims (shown, never counted). */
export function unknownLines(note: string, regime: Regime, origin: string): string[] {
  const known = new Set([origin, ...regime.parties.flatMap((p) => [`${p.origin}/witness`, `${p.origin}/mirror`])]);
  return parseNote(note)
    .signatures.filter((s) => !known.has(s.name))
    .map((s) => s.name);
}
