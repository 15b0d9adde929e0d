/**
 * Audience keys wrapped for recipients with HPKE (RFC 9180, base mode, single shot): KEM X-Wing (ML-KEM-768 with
 * X25519, draft-connolly-cfrg-xwing-kem; HPKE code point 0x647a from draft-ietf-hpke-pq), KDF HKDF-SHA256, AEAD
 * AES-256-GCM. A hybrid post-quantum KEM because this data must stay secret for decades against an adversary who
 * records ciphertext now. The KEM is slow in JavaScript (milliseconds), so it runs once per recipient, audience and
 * period, never per entry: entries derive their keys from the audience key (content.ts).
 *
 * Why a library: HPKE and X-Wing are not our product; @hpke/* (dajiaji/hpke-js) is the maintained implementation,
 * checked here against RFC 9180 and draft-ietf-hpke-pq known-answer vectors (test/crypto-hpke.test.ts).
 *
 * A recipient's private key is the 32-byte X-Wing seed (the draft's decapsulation key); its public key is the
 * 1,216-byte encapsulation key expanded from it. (hpke-js's XWing.deriveKeyPair follows an earlier derivation than
 * draft-ietf-hpke-pq; we never derive from other keying material, so we do not use it.)
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { concat, utf8 } from '../bytes.js';
import { DetenteError } from '../errors.js';
import { AUDIENCE_KEY_BYTES } from './content.js';

export const RECIPIENT_PRIVATE_KEY_BYTES = 32;
export const RECIPIENT_PUBLIC_KEY_BYTES = 1216;
export const ENCAPSULATION_BYTES = 1120;
/** The wrapped audience key: the 32-byte key sealed with AES-256-GCM, tag included. */
export const WRAPPED_KEY_BYTES = AUDIENCE_KEY_BYTES + 16;
/** X-Wing's encapsulation randomness: 32 bytes for ML-KEM-768, 32 for the X25519 ephemeral key. */
export const ENCAPSULATION_RANDOM_BYTES = 64;

const WRAP_CONTEXT = utf8('detente/audience-key/v1\n');

const kem = new XWing();
const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });

export interface RecipientKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A wrapped audience key: the KEM encapsulation and the sealed key. */
export interface WrappedKey {
  enc: Uint8Array;
  ciphertext: Uint8Array;
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new DetenteError('CIPHERTEXT_MALFORMED', `${what}: expected ${length} bytes, got ${got}`);
  }
}

/** The key pair of a 32-byte seed (the private key is the seed itself). */
export async function recipientKeyPair(seed: Uint8Array): Promise<RecipientKeyPair> {
  checkLength(seed, RECIPIENT_PRIVATE_KEY_BYTES, 'recipient private key');
  const pair = await kem.generateKeyPairDerand(seed);
  return { privateKey: seed.slice(), publicKey: new Uint8Array(await kem.serializePublicKey(pair.publicKey)) };
}

/**
 * The public key of a 32-byte seed, synchronously: @noble/post-quantum's X-Wing (the same expansion as @hpke's, checked
 * in test/crypto-hpke.test.ts). For whoever must build a regime's keys without awaiting (exercise keys).
 */
export function recipientPublicKey(seed: Uint8Array): Uint8Array {
  checkLength(seed, RECIPIENT_PRIVATE_KEY_BYTES, 'recipient private key');
  return ml_kem768_x25519.keygen(seed).publicKey;
}

/**
 * The HPKE info: the context label, then what the key is for (regime, audience, period, recipient key), so a
 * wrapped key cannot be presented as the key of another audience or period.
 */
export function wrapInfo(purpose: string): Uint8Array {
  return concat(WRAP_CONTEXT, utf8(purpose));
}

/**
 * Seals a 32-byte audience key to one recipient's public key. `encapsulationRandom` (64 bytes) fixes the KEM's
 * randomness: only for exercises, whose logs must come out the same each time they are played; default fresh.
 */
export async function wrapKey(
  audienceKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  purpose: string,
  encapsulationRandom?: Uint8Array,
) {
  checkLength(audienceKey, AUDIENCE_KEY_BYTES, 'audience key');
  checkLength(recipientPublicKey, RECIPIENT_PUBLIC_KEY_BYTES, 'recipient public key');
  if (encapsulationRandom) checkLength(encapsulationRandom, ENCAPSULATION_RANDOM_BYTES, 'encapsulation randomness');
  let publicKey: CryptoKey;
  try {
    publicKey = await kem.deserializePublicKey(toBuffer(recipientPublicKey));
  } catch (err) {
    throw new DetenteError('CIPHERTEXT_MALFORMED', 'recipient public key: not an X-Wing encapsulation key', {
      cause: err,
    });
  }
  const sealed = await suite.seal(
    {
      recipientPublicKey: publicKey,
      info: toBuffer(wrapInfo(purpose)),
      ...(encapsulationRandom ? { ekm: toBuffer(encapsulationRandom) } : {}),
    },
    toBuffer(audienceKey),
  );
  return { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) } satisfies WrappedKey;
}

/** Opens a wrapped audience key with the recipient's private key; DECRYPTION_FAILED if it is not theirs. */
export async function unwrapKey(wrapped: WrappedKey, recipientPrivateKey: Uint8Array, purpose: string) {
  checkLength(recipientPrivateKey, RECIPIENT_PRIVATE_KEY_BYTES, 'recipient private key');
  checkLength(wrapped.enc, ENCAPSULATION_BYTES, 'wrapped key encapsulation');
  checkLength(wrapped.ciphertext, WRAPPED_KEY_BYTES, 'wrapped key ciphertext');
  const recipientKey = await kem.importKey('raw', toBuffer(recipientPrivateKey), false);
  try {
    const key = await suite.open(
      { recipientKey, enc: toBuffer(wrapped.enc), info: toBuffer(wrapInfo(purpose)) },
      toBuffer(wrapped.ciphertext),
    );
    return new Uint8Array(key);
  } catch (err) {
    throw new DetenteError(
      'DECRYPTION_FAILED',
      'wrapped key: does not open with this recipient key (another recipient, another purpose, or altered bytes)',
      { cause: err },
    );
  }
}

/** hpke-js takes ArrayBuffers: a copy of exactly the view's bytes. */
function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}
