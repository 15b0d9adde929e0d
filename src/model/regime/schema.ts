/**
 * The regime: the document every party signs (by hash) before anything else counts. See load.ts for how it is
 * read and checked, and docs/MODEL.md for the whole picture.
 *
 * Every collection is required (an empty list is fine) and no field has a default, so the validated document is
 * exactly what its authors wrote, and its hash is the hash of that.
 */
import { z } from 'zod';
import { Duration, Hex32, Id, IsoDate } from '../common.js';
import { AudienceRule } from './audience.js';
import { Category, Group } from './categories.js';
import { Commitment } from './commitments.js';
import { ConsultationMechanism } from './consultations.js';
import { InspectionType } from './inspections.js';
import { Limit } from './limits.js';
import { Metric } from './metrics.js';
import { MissionRules } from './missions.js';
import { NotificationRule } from './notifications.js';
import { Party } from './parties.js';
import { PeriodicObligation } from './periodic.js';
import { Geography, Site, SiteKind, Zone } from './sites-zones.js';
import { Text } from './text.js';
import { Forum, Track } from './tracks.js';
import { ItemType } from './types.js';

export const REGIME_FORMAT = 'detente-regime/1';

/**
 * Escrowed declarations (salted Merkle sum-tree commitments, opened in phases) and joint random draws
 * (commit-reveal). `padding.multipleOf`: a commitment's leaf count is a multiple of this (padding leaves hide the
 * real count to within it), and at most `padding.maxLeaves`. `draw.fallback`: what decides when a party does not
 * reveal in time: `counterpart-chooses` (the party that revealed chooses), `revealed-only` (the seed comes from the
 * revealed values alone) or `void` (no selection; the draw is held again). `phases`: the schedule of disclosure.
 */
export const Escrow = z.strictObject({
  padding: z.strictObject({ multipleOf: z.int().positive(), maxLeaves: z.int().positive() }),
  draw: z.strictObject({
    commitWithin: Duration,
    revealWithin: Duration,
    fallback: z.enum(['counterpart-chooses', 'revealed-only', 'void']),
  }),
  /**
   * Phased disclosure (Philippe, Glaser and Felten): by the end of `by` (UTC), each party (or only `party`) opens
   * in full the `region` (a zone, or a single site) of the escrowed declaration it has in effect then.
   */
  phases: z.array(z.strictObject({ region: Id, by: IsoDate, party: Id.optional() })).optional(),
});
export type Escrow = z.infer<typeof Escrow>;

export const RegimeSchema = z.strictObject({
  format: z.literal(REGIME_FORMAT, { error: `expected "${REGIME_FORMAT}"` }),
  id: Id,
  version: z.int().positive(),
  name: Text,
  description: Text.optional(),
  /** An amendment names the hash of the regime it replaces; it takes effect, like the original, once all sign. */
  supersedes: Hex32.optional(),
  parties: z.array(Party).min(1, { error: 'expected at least one party' }),
  siteKinds: z.array(SiteKind),
  categories: z.array(Category),
  groups: z.array(Group),
  sites: z.array(Site),
  geography: Geography.optional(),
  zones: z.array(Zone),
  limits: z.array(Limit),
  notifications: z.array(NotificationRule),
  inspections: z.array(InspectionType),
  commitments: z.array(Commitment),
  metrics: z.array(Metric),
  /** Recurring declarations (periodic.ts); optional, so regimes written before it keep their hash. */
  periodic: z.array(PeriodicObligation).optional(),
  /** The types registry (types.ts); optional, so regimes written before it keep their hash. */
  types: z.array(ItemType).optional(),
  /** Consultation mechanisms (consultations.ts); optional, so regimes written before them keep their hash. */
  consultations: z.array(ConsultationMechanism).optional(),
  /** Inspection mission logistics per inspection type (missions.ts); optional, as `periodic`. */
  missions: z.array(MissionRules).optional(),
  /** Negotiation forums and tracks (tracks.ts); optional, as `periodic`. */
  forums: z.array(Forum).optional(),
  tracks: z.array(Track).optional(),
  escrow: Escrow.optional(),
  /**
   * How many other parties' witnesses must cosign a checkpoint before a verifier accepts it (the k of the
   * tlog-policy each log gets, `detente policy`); absent means every other party's witness.
   */
  witnessQuorum: z.int().positive().optional(),
  /** Who reads entries of each type, by author (audience.ts); optional, so regimes written before keep their hash. */
  audiences: z.array(AudienceRule).optional(),
});
export type Regime = z.infer<typeof RegimeSchema>;

/** The collections whose elements have an `id`, checked one element at a time. */
export const COLLECTIONS = [
  'parties',
  'siteKinds',
  'categories',
  'groups',
  'sites',
  'zones',
  'limits',
  'notifications',
  'inspections',
  'commitments',
  'metrics',
  'periodic',
  'types',
  'consultations',
  'missions',
  'forums',
  'tracks',
] as const;
export type Collection = (typeof COLLECTIONS)[number];
