/** The audit's in-place RFC 6962 hashes agree with node:crypto on every input (property), and on known answers. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { leafHashInto, nodeHashInto, subtreeRootInto } from '../src/tlog/sha256-batch.js';

const hasher = new Rfc6962Hasher(nodeSuite.sha256);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sha256-batch', () => {
  it('leaf hash of the empty entry and of "abc" (RFC 6962 / FIPS 180-4 known answers)', () => {
    const out = new Uint8Array(32);
    leafHashInto(new Uint8Array(0), out, 0);
    expect(hex(out)).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    leafHashInto(new TextEncoder().encode('abc'), out, 0);
    expect(hex(out)).toBe(createHash('sha256').update(Buffer.from('\0abc', 'latin1')).digest('hex'));
  });

  it('leaf hashes equal node:crypto for any entry, at every padding boundary (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.integer({ min: 50, max: 140 }).map((n) => new Uint8Array(n).fill(n)),
        ),
        fc.integer({ min: 0, max: 64 }),
        (data, at) => {
          const out = new Uint8Array(at + 32);
          leafHashInto(data, out, at);
          expect(hex(out.subarray(at))).toBe(hex(hasher.hashLeaf(data)));
        },
      ),
      { numRuns: 500 },
    );
    const largest = new Uint8Array(65_535).fill(0xab);
    const out = new Uint8Array(32);
    leafHashInto(largest, out, 0);
    expect(hex(out)).toBe(hex(hasher.hashLeaf(largest)));
  });

  it('node hashes and subtree roots equal the reference hasher (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64 * 8, maxLength: 64 * 8 }),
        fc.constantFrom(1, 2, 4, 8, 16),
        (bytes, count) => {
          const out = new Uint8Array(32);
          nodeHashInto(bytes, 0, 32, out, 0);
          expect(hex(out)).toBe(hex(hasher.hashChildren(bytes.subarray(0, 32), bytes.subarray(32, 64))));
          let level: Uint8Array[] = Array.from({ length: count }, (_, i) => bytes.slice(i * 32, i * 32 + 32));
          while (level.length > 1) {
            level = Array.from({ length: level.length / 2 }, (_, i) =>
              hasher.hashChildren(level[2 * i]!, level[2 * i + 1]!),
            );
          }
          subtreeRootInto(bytes, count, out, 0);
          expect(hex(out)).toBe(hex(level[0]!));
        },
      ),
      { numRuns: 200 },
    );
  });
});
