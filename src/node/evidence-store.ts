/**
 * The node's `evidence/` directory: one file per subject and kind (a log's same-size fork, its inconsistent prefix,
 * a witness's refused cosignature of one log by rule), so that a dishonest log or witness can make the node write
 * a bounded number of files however often it misbehaves; the first proof of each kind is kept.
 *
 * Forks change what the node does: a log with equivocation evidence is folded only up to the last checkpoint this
 * node holds before the size where the two trees provably differ (`forkSize`), and the node is unhealthy until
 * an operator acknowledges each fork (`detente node ack-fork`, which writes `<file>.ack` beside the evidence).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSIGNATURE_EVIDENCE_FORMAT, type CosignatureEvidence } from '../federation/cosignature-evidence.js';
import { type EquivocationEvidence, EVIDENCE_FORMAT } from '../federation/evidence.js';

export type AnyEvidence = EquivocationEvidence | CosignatureEvidence;

export interface Fork {
  origin: string;
  /** The evidence file, under evidence/. */
  file: string;
  /** The smallest size at which the two signed trees provably differ. */
  size: number;
  acknowledged: boolean;
}

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** The size at which the evidence shows the two trees differ. */
export function contradictionSize(e: EquivocationEvidence): number {
  return e.prefix?.size ?? Number(/\n(\d+)\n/.exec(e.checkpointA)?.[1] ?? 0);
}

export class EvidenceStore {
  readonly dir: string;
  readonly #cache = new Map<string, AnyEvidence>();

  constructor(dir: string) {
    this.dir = dir;
    for (const file of this.#files()) this.#read(file);
  }

  #files(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  }

  #read(file: string): AnyEvidence | undefined {
    let e = this.#cache.get(file);
    if (e === undefined) {
      try {
        const parsed = JSON.parse(readFileSync(join(this.dir, file), 'utf8'));
        if (parsed?.format !== EVIDENCE_FORMAT && parsed?.format !== COSIGNATURE_EVIDENCE_FORMAT) return undefined;
        e = parsed as AnyEvidence;
        this.#cache.set(file, e);
      } catch {
        return undefined;
      }
    }
    return e;
  }

  /** The file a piece of evidence belongs in: one per subject and kind. */
  static fileFor(e: AnyEvidence, witnessName?: string): string {
    if (e.format === EVIDENCE_FORMAT) return `${sanitize(e.origin)}.${e.type}.json`;
    return `${sanitize(witnessName ?? 'witness')}.${sanitize(/^[^\n]*/.exec(e.cosigned)![0])}.cosignature-${e.rule}.json`;
  }

  /** Keeps `e` unless evidence of its kind is already held; returns the file if it was new. */
  add(e: AnyEvidence, witnessName?: string): string | undefined {
    const file = EvidenceStore.fileFor(e, witnessName);
    if (this.#cache.has(file) || existsSync(join(this.dir, file))) return undefined;
    writeFileSync(join(this.dir, file), `${JSON.stringify(e, null, 2)}\n`);
    this.#cache.set(file, e);
    return file;
  }

  get size(): number {
    return this.#cache.size;
  }

  /** A page of the evidence held, in file order. */
  list(offset = 0, limit = 100): { total: number; items: { file: string; evidence: AnyEvidence }[] } {
    const files = [...this.#cache.keys()].sort();
    return {
      total: files.length,
      items: files.slice(offset, offset + limit).map((file) => ({ file, evidence: this.#cache.get(file)! })),
    };
  }

  /**
   * One fork per log with equivocation evidence. Several files may name one log (a same-size pair and an
   * inconsistent prefix): the one with the smallest contradiction size rules, then the first file name.
   */
  forks(): Fork[] {
    const byOrigin = new Map<string, Fork>();
    for (const [file, e] of [...this.#cache.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (e.format !== EVIDENCE_FORMAT) continue;
      const size = contradictionSize(e);
      const held = byOrigin.get(e.origin);
      if (held && held.size <= size) continue;
      byOrigin.set(e.origin, { origin: e.origin, file, size, acknowledged: existsSync(join(this.dir, `${file}.ack`)) });
    }
    return [...byOrigin.values()].sort((a, b) => (a.origin < b.origin ? -1 : 1));
  }

  /** Records that an operator has seen the fork in `file`; the fold stays stopped. */
  acknowledge(file: string, by: string, at: number): void {
    if (!this.#files().includes(file)) throw new Error(`no evidence file ${file}`);
    writeFileSync(join(this.dir, `${file}.ack`), `${JSON.stringify({ by, at: new Date(at).toISOString() })}\n`);
  }
}
