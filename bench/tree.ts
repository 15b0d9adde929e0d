/**
 * The root of 1,000,000 leaves from scratch (leaf hashing included), against
 *  (a) the SHA-256 bound: 2n hashes at the rate of node:crypto's fastest call on 64-byte inputs, measured here;
 *  (b) merkletreejs configured for RFC 6962 hashing (0x00 leaf and 0x01 node prefixes), same hash function.
 * Run: node dist/bench/tree.js [leaves]
 */
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { MerkleTree } from 'merkletreejs';
import { toHex } from '../src/crypto/bytes.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { CompactRange } from '../src/tlog/compact-range.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { fmt, header, row, seconds, table } from './harness.js';

const N = Number(process.argv[2] ?? 1_000_000);
const leaves = Array.from({ length: N }, (_, i) => {
  const e = new Uint8Array(32);
  new DataView(e.buffer).setUint32(0, i);
  return e;
});

header(`tree: root of ${fmt(N)} leaves from scratch`);
console.log(
  'merkletreejs is given RFC 6962 leaf hashes and a 0x01-prefixing concatenator; its odd-node promotion equals RFC 6962 (the roots are compared below).',
);

// The bound: node:crypto's one-shot hash on 64-byte inputs, the fastest call it has.
const block = new Uint8Array(64);
for (let i = 0; i < 100_000; i++) hash('sha256', block, 'buffer');
const calls = 2_000_000;
const rate =
  calls /
  seconds(() => {
    for (let i = 0; i < calls; i++) hash('sha256', block, 'buffer');
  });
const bound = (2 * N) / rate;

const hasher = new Rfc6962Hasher(sha256Node);
let ours: Uint8Array = new Uint8Array();
const oursSeconds = seconds(() => {
  const range = new CompactRange(hasher);
  for (const leaf of leaves) range.append(hasher.hashLeaf(leaf));
  ours = range.root();
});

const nodeHash = (data: Buffer) => hash('sha256', data, 'buffer');
const ONE = Buffer.from([1]);
let theirs = '';
const merkletreejsSeconds = seconds(() => {
  const leafHashes = leaves.map((l) => nodeHash(Buffer.concat([Buffer.from([0]), l])));
  const tree = new MerkleTree(leafHashes, nodeHash, {
    concatenator: (parts: Buffer[]) => Buffer.concat([ONE, ...parts]),
  });
  theirs = tree.getRoot().toString('hex');
});
if (theirs !== toHex(ours)) throw new Error(`merkletreejs root ${theirs} differs from ours ${toHex(ours)}`);

// merkletreejs as its README uses it: SHA-256 from crypto-js, its own dependency.
const require = createRequire(import.meta.url);
const cryptoJsSha256 = require('crypto-js/sha256') as (data: unknown) => unknown;
const cryptoJsHex = require('crypto-js/enc-hex') as { parse(hex: string): unknown };
// merkletreejs wraps the hash function so that Buffers become crypto-js word arrays; do the same for leaves.
const viaCryptoJs = (data: Buffer) => cryptoJsSha256(cryptoJsHex.parse(data.toString('hex')));
let theirsCryptoJs = '';
const cryptoJsSeconds = seconds(() => {
  const leafHashes = leaves.map((l) => MerkleTree.bufferify(viaCryptoJs(Buffer.concat([Buffer.from([0]), l]))));
  const tree = new MerkleTree(leafHashes, cryptoJsSha256, {
    concatenator: (parts: Buffer[]) => Buffer.concat([ONE, ...parts]),
  });
  theirsCryptoJs = tree.getRoot().toString('hex');
});
if (theirsCryptoJs !== toHex(ours))
  throw new Error(`merkletreejs (crypto-js) root ${theirsCryptoJs} differs from ours`);

console.log(
  `node:crypto SHA-256 on 64-byte inputs: ${fmt(rate)} hashes/s, so the bound for 2n hashes is ${bound.toFixed(2)} s`,
);
table(['measure', 'ours', 'baseline', 'ours/baseline', 'goal']);
row('vs SHA-256 bound (s)', oursSeconds.toFixed(2), bound.toFixed(2), oursSeconds / bound, '≤ 2');
row(
  'vs merkletreejs, its README setup: crypto-js SHA-256 (s)',
  oursSeconds.toFixed(2),
  cryptoJsSeconds.toFixed(2),
  oursSeconds / cryptoJsSeconds,
  '≤ 0.2 (5× faster)',
);
row(
  'vs merkletreejs given node:crypto SHA-256 (s)',
  oursSeconds.toFixed(2),
  merkletreejsSeconds.toFixed(2),
  oursSeconds / merkletreejsSeconds,
  '',
);
console.log(`roots agree: ${toHex(ours)}`);
