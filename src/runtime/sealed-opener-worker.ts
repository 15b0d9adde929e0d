/**
 * The worker side of sealed-openers.ts: opens sealed entries with their content keys (what the engine's
 * openSealedEntry computes: the model's openSealedText, here in its two halves, on node:crypto: AES-256-GCM, the
 * commitments, the body's parse and checks), so a reader's fold gets the very openings, and the very error codes, it
 * would compute itself; a body the reader's store records as
 * checked before, it only decrypts (openCheckedSealedText). Answers go to the port the reader gave,
 * with a bump of the shared counter it waits on.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { codeOnFailure, DetenteError } from '../crypto/errors.js';
import type { EnvelopeOf } from '../model/entries/index.js';
import {
  openCheckedSealedText,
  sealedAad,
  sealedAadTextOf,
  sealedContentKey,
  sealedMembersOf,
} from '../model/sealed-text.js';
import { sha256Node, symmetricNode } from './node-crypto.js';

/**
 * The full opener (the model's openSealedText in its two halves, with the model's schemas and key wrapping: some 250
 * modules, about 290 ms to load in a fresh process), loaded when a job first needs it: a fold whose bodies were all
 * checked before (a node's restart) never waits for it.
 */
type FullOpener = typeof import('../model/confidential.js');
let full: FullOpener | undefined;

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

/** A job that did not open: its index in the request, and the failure's code or `underived`. */
export type OpenFailure = { job: number } & Exclude<TextOpening, { body: string }>;

/**
 * `bodies`: the bodies of the jobs that opened, in job order, as one JSON text (an array: one string a run to pass
 * and to parse, not an object and a string an entry); `failed`, the others, in job order. `contentKeys`: 32 bytes a
 * job, the content key each was opened with (the derived ones are new to the reader).
 */
export type OpenAnswer = {
  id: number;
  bodies?: string;
  failed?: OpenFailure[];
  contentKeys?: Uint8Array;
  crash?: string;
};

const decoder = new TextDecoder();

const encoder = new TextEncoder();
const LEAF_OPEN = '{"entry":';
const LEAF_SIGNATURE = ',"sig":"';

/** A job's sealed entry: its envelope, or the leaf text it is parsed from when needed (`envelope()`). */
interface SealedJob {
  /** The leaf's text, if the reader sent leaves. */
  text?: string;
  envelope(): EnvelopeOf<'sealed'>;
  /** The associated data cut from the leaf's text (sealedAadTextOf), if it has one. */
  aad?: Uint8Array;
}

/**
 * The jobs of the leaves, each with its associated data cut from the leaf's text (sealedAadTextOf): the canonical
 * JSON of the envelope is the leaf's `entry` member (a log holds canonical leaves only). What a fold's reader would
 * build again from the parsed envelope; should a leaf not be canonical, the entry is opened again with the associated
 * data built so (`openFull`), so the openings never differ. The envelope is parsed only where a job needs it (a body
 * checked before needs three of its strings: sealedMembersOf).
 */
function fromLeaves(leaves: Uint8Array, ends: Uint32Array): SealedJob[] {
  const out: SealedJob[] = [];
  for (let i = 0, start = 0; i < ends.length; start = ends[i++]!) {
    const text = decoder.decode(leaves.subarray(start, ends[i]));
    let parsed: EnvelopeOf<'sealed'> | undefined;
    const envelope = () => {
      parsed ??= JSON.parse(text).entry as EnvelopeOf<'sealed'>;
      return parsed;
    };
    const end = text.lastIndexOf(LEAF_SIGNATURE);
    const aadText =
      text.startsWith(LEAF_OPEN) && end > 0 ? sealedAadTextOf(text.slice(LEAF_OPEN.length, end)) : undefined;
    out.push(aadText === undefined ? { text, envelope } : { text, envelope, aad: encoder.encode(aadText) });
  }
  return out;
}

/**
 * A body its reader's store records as checked before: only decrypted (openCheckedSealedText), with the members
 * cut from the leaf where the reader sent it; the content key derived first where `derive` (written to `key` only
 * if the body opens). Undefined where that fails: the caller opens the entry in full.
 */
function openChecked(job: SealedJob, key: Uint8Array, derive: boolean): TextOpening | undefined {
  try {
    const sealed = (job.text !== undefined && sealedMembersOf(job.text)) || job.envelope();
    const contentKey = derive ? sealedContentKey(symmetricNode, sealed, key) : key;
    const aad = job.aad ?? sealedAad(job.envelope());
    const body = openCheckedSealedText(symmetricNode, sha256Node, sealed, contentKey, aad);
    if (derive) key.set(contentKey);
    return { body };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return undefined;
  }
}

/** A job decrypted in full (its body's bytes, not yet read), or what it came to instead. */
type Decrypted = { envelope: EnvelopeOf<'sealed'>; bytes: Uint8Array } | Exclude<TextOpening, { body: string }>;

/**
 * A full opening's first half: the content key derived first where `derive` (written to `key`), then the key
 * commitment, AES-256-GCM and the body's commitment (openSealedBody), with the associated data cut from the leaf
 * first where there is one (fromLeaves), and built from the envelope should that fail to decrypt (a leaf that is not
 * canonical), so the openings never differ from the engine's.
 */
function decryptFull(opener: FullOpener, job: SealedJob, key: Uint8Array, derive: boolean): Decrypted {
  const envelope = job.envelope();
  if (derive) {
    try {
      key.set(sealedContentKey(symmetricNode, envelope, key));
    } catch {
      return { underived: true }; // an id that is not 16 bytes of base64: no content key, the entry stays hidden
    }
  }
  const open = (aad?: Uint8Array) =>
    codeOnFailure(() => ({ envelope, bytes: opener.openSealedBody(symmetricNode, sha256Node, envelope, key, aad) }));
  const decrypted = open(job.aad);
  return job.aad && 'code' in decrypted && decrypted.code === 'DECRYPTION_FAILED' ? open() : decrypted;
}

/**
 * A full opening's second half: the decrypted body read and checked (plainAndTextOfBody), as the reader takes it (its
 * canonical text, or the failure's code); a job that did not decrypt, as it came.
 */
function readFull(opener: FullOpener, decrypted: Decrypted): TextOpening {
  if (!('bytes' in decrypted)) return decrypted;
  const read = codeOnFailure(() => opener.plainAndTextOfBody(decrypted.envelope, decrypted.bytes));
  return 'code' in read ? { code: read.code } : { body: read.text };
}

/** The answer to one request: the bodies checked before decrypted here, the others opened in full. */
async function answer(request: OpenRequest): Promise<OpenAnswer> {
  const jobs: SealedJob[] = request.leaves
    ? fromLeaves(request.leaves, request.ends!)
    : (JSON.parse(request.envelopes!) as EnvelopeOf<'sealed'>[]).map((envelope) => ({ envelope: () => envelope }));
  const contentKeys = request.keys;
  const key = (i: number) => contentKeys.subarray(32 * i, 32 * (i + 1));
  const openings: (TextOpening | undefined)[] = jobs.map((job, i) =>
    request.checked[i] === 1 ? openChecked(job, key(i), request.derive[i] === 1) : undefined,
  );
  if (openings.includes(undefined)) full ??= await import('../model/confidential.js');
  // The others opened in full, in two stages (every one decrypted, then every body read and checked), as the entry
  // worker answers submissions: the crypto's code and zod's stay hot across the run (docs/BENCHMARKS.md, session 18).
  const decrypted = openings.map((checked, i) =>
    checked === undefined ? decryptFull(full!, jobs[i]!, key(i), request.derive[i] === 1) : undefined,
  );
  const bodies: string[] = [];
  const failed: OpenFailure[] = [];
  openings.forEach((checked, i) => {
    const opening = checked ?? readFull(full!, decrypted[i]!);
    if ('body' in opening) bodies.push(opening.body);
    else failed.push({ job: i, ...opening });
  });
  return { id: request.id, bodies: `[${bodies.join(',')}]`, failed, contentKeys };
}

if (parentPort && workerData) {
  const { port, signal } = workerData as SealedOpenerInit;
  // One request at a time, in the order they came: an answer may wait for the full opener to load.
  let previous: Promise<void> = Promise.resolve();
  parentPort.on('message', (request: OpenRequest) => {
    previous = previous.then(async () => {
      let a: OpenAnswer;
      try {
        a = await answer(request);
      } catch (err) {
        a = { id: request.id, crash: String((err as Error)?.stack ?? err) };
      }
      port.postMessage(a, a.contentKeys ? [a.contentKeys.buffer as ArrayBuffer] : []);
      Atomics.add(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
  });
}
