/**
 * A sealed entry's content for a signed-in user of its audience (issue 14). The node hands over the plaintext (GET
 * /api/plaintexts/…, the commitment salt and the body); the browser checks it against the commitment in the envelope
 * it verified itself from the log's tiles (model/sealed-plaintext.ts, the commitment function sealing uses), and shows
 * the plain entry only when it matches. So not even the user's own node is trusted for the content.
 */
import { fromBase64 } from '../../../src/crypto/bytes.js';
import { DetenteError } from '../../../src/crypto/errors.js';
import { portableSuite } from '../../../src/crypto/suite.js';
import { type Envelope, type EnvelopeOf, plainOfPlaintext } from '../../../src/model/index.js';
import { ApiError, asReader, getJson } from '../api/client.js';
import { count, fact } from '../verify/said.js';
import type { Step } from '../verify/verify.js';

interface PlaintextAnswer {
  salt: string;
  body: string;
}

/** What the plaintext check gave: the step to list, and the plain entry when the plaintext matches. */
export interface PlaintextCheck {
  step: Step;
  plain?: Envelope;
}

/** The envelope as a sealed one, if it is. */
export function asSealed(envelope: unknown): EnvelopeOf<'sealed'> | undefined {
  const e = envelope as { type?: unknown; body?: { audience?: unknown } } | undefined;
  return e?.type === 'sealed' && Array.isArray(e.body?.audience) ? (envelope as EnvelopeOf<'sealed'>) : undefined;
}

/**
 * Fetches the plaintext of the sealed entry `sealed` (its envelope as verified from the log) and checks it; undefined
 * when the tab is not signed in or its party may not read the entry (nothing to show beyond the envelope).
 */
export async function checkPlaintext(
  origin: string,
  index: number,
  sealed: EnvelopeOf<'sealed'>,
): Promise<PlaintextCheck | undefined> {
  const reader = asReader();
  if (!reader) return undefined;
  let answer: PlaintextAnswer;
  try {
    answer = await getJson<PlaintextAnswer>(`/api/plaintexts/${encodeURIComponent(origin)}/${index}`, reader);
  } catch (err) {
    // Not of the audience (or not signed in after all): the envelope is all this reader may see.
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return undefined;
    const message = err instanceof Error ? err.message : String(err);
    return { step: { id: 'plaintext', ok: false, detail: fact(message) } };
  }
  try {
    const body = fromBase64(answer.body, 'body');
    const plain = plainOfPlaintext(portableSuite.sha256, sealed, { salt: fromBase64(answer.salt, 'salt'), body });
    return {
      step: {
        id: 'plaintext',
        ok: true,
        detail: {
          key: 'verify.plaintextMatches',
          vars: { bytes: count(body.length, 'bytes'), commitment: sealed.body.commitment },
        },
      },
      plain,
    };
  } catch (err) {
    if (err instanceof DetenteError && err.code === 'COMMITMENT_MISMATCH') {
      return {
        step: {
          id: 'plaintext',
          ok: false,
          detail: { key: 'verify.plaintextMismatch', vars: { commitment: sealed.body.commitment } },
        },
      };
    }
    const why = err instanceof DetenteError ? `${err.code}: ${err.message}` : String(err);
    return { step: { id: 'plaintext', ok: false, detail: fact(why) } };
  }
}
