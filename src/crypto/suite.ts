/**
 * The primitives a pure layer needs, passed in as one value: which implementation runs is the caller's choice
 * (node:crypto on the server, noble in the browser), the rules are the same.
 */
import { type Ed25519, ed25519Portable } from './ed25519.js';
import { type Sha256, sha256Portable } from './sha256.js';

export interface CryptoSuite {
  sha256: Sha256;
  ed25519: Ed25519;
}

export const portableSuite: CryptoSuite = { sha256: sha256Portable, ed25519: ed25519Portable };
