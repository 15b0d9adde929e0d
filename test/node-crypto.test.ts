import { describe, expect, it } from 'vitest';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';

describe('node:crypto SHA-256', () => {
  it('returns digests whose slice() is a copy, as Uint8Array promises', () => {
    const digest = sha256Node(new Uint8Array(3));
    const copy = digest.slice();
    copy[0]! ^= 0xff;
    expect(copy[0]).not.toBe(digest[0]);
    const hasher = new Rfc6962Hasher(sha256Node);
    const empty = hasher.emptyRoot();
    empty.fill(0);
    expect(hasher.emptyRoot()[0]).toBe(0xe3);
  });
});
