/** Escrowed declarations, verifiable totals and jointly random sampling (docs/ESCROW.md). Pure and isomorphic. */
export {
  commitRandom,
  type FallbackRule,
  freshRandomValue,
  jointSeed,
  type RandomCommitmentRecord,
  type RandomRevealRecord,
  type RandomRound,
  type RevealCheck,
  type RoundFinding,
  type RoundFindingKind,
  type RoundOutcome,
  resolveRound,
  verifyReveal,
} from './commit-reveal.js';
export {
  checkPadding,
  type EscrowCommitment,
  type ParsedCommitment,
  paddedSize,
  parseCommitment,
  sameCommitment,
} from './commitment.js';
export {
  detectionProbability,
  detectionProbabilityExact,
  detectionTable,
  samplesForConfidence,
} from './detection.js';
export { type EscrowItem, itemCounts } from './item.js';
export { foldMultiProof, multiProofPositions, type NodePosition, type ProofNode } from './multi-proof.js';
export {
  type AnyOpening,
  createMultiOpening,
  createOpening,
  type EscrowOpening,
  type MultiOpening,
  type OpenedLeaf,
  openWhere,
  type PathStep,
  parseOpening,
  toMultiOpening,
  type VerifiedOpening,
  verifyOpening,
} from './opening.js';
export { type RandomSource, secureRandom } from './random.js';
export { type DeclarationRecord, DeclarationRegister } from './register.js';
export { canonicalEligible, SeedStream, type SelectionReport, selectSample, selectWithReport } from './selection.js';
export {
  buildEscrowTree,
  EscrowHasher,
  type EscrowSecrets,
  EscrowTree,
  type EscrowTreeOptions,
  levelWidths,
  pathPositions,
  restoreEscrowTree,
} from './sum-tree.js';
export { epochNanos, type Instant, isAfter } from './time.js';
