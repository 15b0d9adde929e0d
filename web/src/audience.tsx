/**
 * Who may read a confidential item (issue 14). A sealed entry's envelope is public: its audience and the type it
 * holds (GET /api/entries lists both). Findings carry the audience of the sealed entries they rest on; the state's
 * other items (incidents, declarations, inspections, missions) name their entries, so their audience is that of the
 * sealed entries among them, unless the engine gives an item its own audience (a change never notified that only
 * sealed entries show). Public items carry no mark.
 */
import type { Regime } from '../../src/model/index.js';
import { useData } from './data.js';
import { useI18n } from './i18n/i18n.js';

/** Sealed entries' audiences by leaf hash. */
export type SealedAudiences = ReadonlyMap<string, readonly string[]>;

/**
 * The parties who can read everything `refs` rest on: those of every sealed entry among them (undefined when none
 * is sealed, i.e. public). The intersection, as the engine gives a finding's.
 */
export function audienceOf(
  refs: readonly ({ leafHash: string } | undefined)[],
  sealed: SealedAudiences,
): readonly string[] | undefined {
  let audience: readonly string[] | undefined;
  for (const r of refs) {
    const a = r && sealed.get(r.leafHash);
    if (a) audience = audience ? audience.filter((p) => a.includes(p)) : a;
  }
  return audience;
}

/** The audience as the parties' official names in the reader's language ("United States of America, …"). */
export function audienceNames(audience: readonly string[], regime: Regime, text: (v: unknown) => string): string {
  return audience.map((id) => text(regime.parties.find((p) => p.id === id)?.name) || id).join(', ');
}

/** "Sealed to …": nothing for a public item. */
export function AudienceMark({ audience }: { audience: readonly string[] | undefined }) {
  const { regime } = useData();
  const { t, text } = useI18n();
  if (!audience?.length) return null;
  return (
    <span className="audience small" data-audience={audience.join(',')} title={t('audience.about')}>
      {t('audience.to', { parties: audienceNames(audience, regime, text) })}
    </span>
  );
}
