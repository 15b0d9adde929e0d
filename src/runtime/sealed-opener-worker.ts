/**
 * The worker side of sealed-openers.ts: opens sealed entries with their content keys (the engine's own
 * openSealedEntry on node:crypto: AES-256-GCM, the commitments, the body's parse and checks), so a reader's fold
 * gets the very openings, and the very error codes, it would compute itself. Answers go to the port the reader gave,
 * with a bump of the shared counter it waits on.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { openSealedEntry } from '../engine/confidential.js';
import type { EnvelopeOf } from '../model/index.js';
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
  envelopes: string;
  keys: Uint8Array;
}

/** A body as its canonical JSON text (the reader parses it as the engine would have: sealedPlain), or an error code. */
export type TextOpening = { body: string } | { code: string };

export type OpenAnswer = { id: number; openings?: TextOpening[]; crash?: string };

if (parentPort && workerData) {
  const { port, signal } = workerData as SealedOpenerInit;
  parentPort.on('message', (request: OpenRequest) => {
    let answer: OpenAnswer;
    try {
      const envelopes = JSON.parse(request.envelopes) as EnvelopeOf<'sealed'>[];
      const openings = envelopes.map((envelope, i): TextOpening => {
        const key = request.keys.subarray(32 * i, 32 * (i + 1));
        const opening = openSealedEntry(symmetricNode, sha256Node, envelope, key);
        return 'code' in opening ? opening : { body: JSON.stringify(opening.plain.body) };
      });
      answer = { id: request.id, openings };
    } catch (err) {
      answer = { id: request.id, crash: String((err as Error)?.stack ?? err) };
    }
    port.postMessage(answer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}
