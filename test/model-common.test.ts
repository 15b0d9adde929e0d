import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { addDuration, Duration, formatPath, PublicKey, parseDuration, Signature } from '../src/model/index.js';

describe('model building blocks', () => {
  it('durations: ISO 8601 without fractions, calendar units first', () => {
    for (const ok of ['P42D', 'PT48H', 'P1Y', 'P1Y2M3W4DT5H6M7S', 'PT0S'])
      expect(Duration.safeParse(ok).success).toBe(true);
    for (const bad of ['P', 'PT', 'P1DT', '42D', 'P1.5D', 'p1d', 'P-1D', ' P1D']) {
      expect(Duration.safeParse(bad).success, bad).toBe(false);
    }
    expect(parseDuration('P1Y2M3W4DT5H6M7S')).toEqual({
      years: 1,
      months: 2,
      weeks: 3,
      days: 4,
      hours: 5,
      minutes: 6,
      seconds: 7,
    });
    expect(() => parseDuration('P')).toThrow(DetenteError);
    const t = Date.parse('2022-01-26T00:00:00Z');
    expect(new Date(addDuration(t, 'P42D', -1)).toISOString()).toBe('2021-12-15T00:00:00.000Z');
    expect(new Date(addDuration(t, 'PT48H')).toISOString()).toBe('2022-01-28T00:00:00.000Z');
    expect(new Date(addDuration(Date.parse('2011-02-05T00:00:00Z'), 'P1Y')).toISOString()).toBe(
      '2012-02-05T00:00:00.000Z',
    );
  });

  it('base64 keys and signatures: exactly one spelling of each value', () => {
    const key = `${'A'.repeat(43)}=`;
    expect(PublicKey.safeParse(key).success).toBe(true);
    expect(PublicKey.safeParse(`${'A'.repeat(42)}B=`).success).toBe(false); // non-zero trailing bits
    expect(PublicKey.safeParse('A'.repeat(44)).success).toBe(false);
    expect(Signature.safeParse(`${'A'.repeat(86)}==`).success).toBe(true);
    expect(Signature.safeParse(`${'A'.repeat(85)}B==`).success).toBe(false);
    expect(Signature.safeParse(`${'A'.repeat(85)}Q==`).success).toBe(true);
  });

  it('paths are JSONPath', () => {
    expect(formatPath(['parties', 0, 'keys', 1, 'roles'])).toBe('$.parties[0].keys[1].roles');
    expect(formatPath(['keys', 'has space'])).toBe('$.keys["has space"]');
    expect(formatPath([])).toBe('$');
  });

  it('src/model imports only src/crypto, zod, yaml and itself (pure and isomorphic)', () => {
    const root = join(import.meta.dirname, '..', 'src', 'model');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const [, spec] of source.matchAll(/from '([^']+)'/g)) {
        const allowed = spec === 'zod' || spec === 'yaml' || spec!.startsWith('.');
        expect(allowed, `${file} imports ${spec}`).toBe(true);
        if (spec!.startsWith('../')) {
          const resolved = join(root, file, '..', spec!);
          expect(resolved.startsWith(root) || resolved.includes(join('src', 'crypto')), `${file} imports ${spec}`).toBe(
            true,
          );
        }
      }
    }
  });
});
