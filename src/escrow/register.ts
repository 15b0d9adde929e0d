/**
 * One declaration commitment per party and period. A party that could record two commitments for the same period
 * could later open whichever suits it, so the first one recorded is the commitment and any second one is refused.
 */
import type { Json } from '../crypto/canonical-json.js';
import { fail } from '../crypto/errors.js';
import { type EscrowCommitment, parseCommitment } from './commitment.js';

export interface DeclarationRecord {
  party: string;
  /** The declaration period the regime defines, e.g. "2022-03-01" or "2022/H1". */
  period: string;
  commitment: EscrowCommitment;
  /** Where it was recorded (log origin, index, leaf hash), carried into findings. */
  ref?: Json;
}

export class DeclarationRegister {
  readonly #records = new Map<string, DeclarationRecord>();

  /** Records a declaration commitment; throws COMMITMENT_DUPLICATE if the party already has one for the period. */
  add(record: DeclarationRecord): void {
    if (typeof record.party !== 'string' || record.party.length === 0) fail('BAD_INPUT', 'party: expected a string');
    if (typeof record.period !== 'string' || record.period.length === 0) fail('BAD_INPUT', 'period: expected a string');
    const parsed = parseCommitment(record.commitment);
    const key = JSON.stringify([record.party, record.period]);
    const first = this.#records.get(key);
    if (first) {
      const same = first.commitment.root === parsed.doc.root ? 'the same root again' : `root ${parsed.doc.root}`;
      fail(
        'COMMITMENT_DUPLICATE',
        `${record.party} already committed to a declaration for period ${JSON.stringify(record.period)} ` +
          `(root ${first.commitment.root}); a second commitment (${same}) is refused`,
      );
    }
    this.#records.set(key, { ...record, commitment: parsed.doc });
  }

  get(party: string, period: string): DeclarationRecord | undefined {
    return this.#records.get(JSON.stringify([party, period]));
  }

  get size(): number {
    return this.#records.size;
  }
}
