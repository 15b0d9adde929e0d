/**
 * The worker side of sealed-openers.ts: opens sealed entries with their content keys (the engine's own
 * openSealedEntryText on node:crypto: AES-256-GCM, the commitments, the body's parse and checks), so a reader's fold
 * gets the very openings, and the very error codes, it would compute itself; a body the reader's store records as
 * checked before, it only decrypts (openCheckedSealedText). Answers go to the port the reader gave,
 * with a bump of the shared counter it waits on.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { DetenteError } from '../crypto/errors.js';
import { openSealedEntryText } from '../engine/confidential.js';
import { type EnvelopeOf, openCheckedSealedText, sealedAadTextOf, sealedContentKey } from '../model/index.js';
import { sha256Node, symmetricNode } from './node-crypto.js';

export interface SealedOpenerInit {
  port: MessagePort;
  /** Bumped after each answer (an Int32Array over a SharedArrayBuffer). */
  signal: Int32Array;
}

/**
 * Sealed envelopes as one JSON text (an array), their content keys one after the other (32 bytes each): a string
 * and a byte array cost this thread and the reader's far less to pass than as many objects.
 */
export interface OpenRequest {
  id: number;
  /**
   * The envelopes: as one JSON text (an array), or as the leaves the reader read them from (`{entry, signature}`,
   * one after the other; `ends[i]` where leaf i ends), which spares the reader serializing them again.
   */
  envelopes?: string;
  leaves?: Uint8Array;
  ends?: Uint32Array;
  keys: Uint8Array;
  /**
   * One byte a job: 1 where its key is the audience key the entry's content key derives from (the worker derives
   * it: an HMAC a sealed entry, off the reader's thread), 0 where it is the content key itself.
   */
  derive: Uint8Array;
  /**
   * One byte a job: 1 where the reader's store records that its body was checked in full before
   * (LogStore.checkedSealedBodies): the worker then only decrypts it (openCheckedSealedText), and opens it in full
   * should that fail, so that a failure has the very code the fold charges.
   */
  checked: Uint8Array;
}

/**
 * A body as its canonical JSON text (the reader parses it as the engine would have: sealedPlain), or an error code;
 * `underived` where no content key derives from the audience key given (the entry stays unread, as without a key).
 */
export type TextOpening = { body: string } | { code: string } | { underived: true };

/** `contentKeys`: 32 bytes a job, the content key each was opened with (the derived ones are new to the reader). */
export type OpenAnswer = { id: number; openings?: TextOpening[]; contentKeys?: Uint8Array; crash?: string };

const decoder = new TextDecoder();

const encoder = new TextEncoder();
const LEAF_OPEN = '{"entry":';
const LEAF_SIGNATURE = ',"sig":"';

/**
 * The envelopes of the leaves, each with its associated data cut from the leaf's text (sealedAadTextOf): the
 * canonical JSON of the envelope is the leaf's `entry` member (a log holds canonical leaves only). What a fold's
 * reader would build again from the parsed envelope; should a leaf not be canonical, the entry is opened again with
 * the associated data built so (`open`), so the openings never differ.
 */
function fromLeaves(leaves: Uint8Array, ends: Uint32Array): { envelope: EnvelopeOf<'sealed'>; aad?: Uint8Array }[] {
  const out: { envelope: EnvelopeOf<'sealed'>; aad?: Uint8Array }[] = [];
  for (let i = 0, start = 0; i < ends.length; start = ends[i++]!) {
    const text = decoder.decode(leaves.subarray(start, ends[i]));
    const envelope = JSON.parse(text).entry as EnvelopeOf<'sealed'>;
    const end = text.lastIndexOf(LEAF_SIGNATURE);
    const aadText =
      text.startsWith(LEAF_OPEN) && end > 0 ? sealedAadTextOf(text.slice(LEAF_OPEN.length, end)) : undefined;
    out.push(aadText === undefined ? { envelope } : { envelope, aad: encoder.encode(aadText) });
  }
  return out;
}

/**
 * The body's canonical text (what the reader parses: the value the engine's openSealedEntry gives) or the failure's
 * code, with the associated data cut from the leaf first where there is one (fromLeaves).
 */
function open(
  envelope: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad: Uint8Array | undefined,
  checked: boolean,
): TextOpening {
  if (checked) {
    try {
      return { body: openCheckedSealedText(symmetricNode, sha256Node, envelope, key, aad) };
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
    }
  }
  let opening = openSealedEntryText(symmetricNode, sha256Node, envelope, key, aad);
  if (aad && 'code' in opening && opening.code === 'DECRYPTION_FAILED') {
    opening = openSealedEntryText(symmetricNode, sha256Node, envelope, key);
  }
  return 'code' in opening ? { code: opening.code } : { body: opening.text };
}

if (parentPort && workerData) {
  const { port, signal } = workerData as SealedOpenerInit;
  parentPort.on('message', (request: OpenRequest) => {
    let answer: OpenAnswer;
    try {
      const envelopes = request.leaves
        ? fromLeaves(request.leaves, request.ends!)
        : (JSON.parse(request.envelopes!) as EnvelopeOf<'sealed'>[]).map((envelope) => ({ envelope, aad: undefined }));
      const contentKeys = request.keys;
      const openings = envelopes.map(({ envelope, aad }, i): TextOpening => {
        const key = contentKeys.subarray(32 * i, 32 * (i + 1));
        if (request.derive[i] === 1) {
          try {
            key.set(sealedContentKey(symmetricNode, envelope, key));
          } catch {
            return { underived: true }; // an id that is not 16 bytes of base64: no content key, the entry stays hidden
          }
        }
        return open(envelope, key, aad, request.checked[i] === 1);
      });
      answer = { id: request.id, openings, contentKeys };
    } catch (err) {
      answer = { id: request.id, crash: String((err as Error)?.stack ?? err) };
    }
    port.postMessage(answer, answer.contentKeys ? [answer.contentKeys.buffer as ArrayBuffer] : []);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}
