/**
 * A small Vienna-Document-like regime for the multilateral rules: four participating states (a, b, d, e) and an
 * observer (c); b's territory is Belarus, a's is Russia; the zone of application is a box over Europe; one activity
 * rule binds `all`, with observation thresholds, a calendar and constraints as VD11 has them.
 */
import { parseRegime, type Regime } from '../src/model/index.js';
import { publicKeyOf, smallRegime } from './model-helpers.js';

const text = (en: string) => ({ en, ru: `${en} (ru)` });

export const RULE = 'vd-activity';

/** Places: Minsk (Belarus), Smolensk (Russia), Denver (outside the zone of application). */
export const MINSK = { lat: 53.9, lon: 27.56 };
export const SMOLENSK = { lat: 54.78, lon: 32.04 };
export const DENVER = { lat: 39.74, lon: -104.99 };

function party(id: string, status = 'party', territory?: string) {
  return {
    id,
    name: text(id),
    status,
    origin: `example.org/${id}`,
    keys: [
      { id: `${id}-declarant`, roles: ['declarant'], publicKey: publicKeyOf(`${id}-declarant`) },
      { id: `${id}-inspector`, roles: ['inspector'], publicKey: publicKeyOf(`${id}-inspector`) },
    ],
    ...(territory ? { territory } : {}),
  };
}

/** The regime as a plain object, for tests to change before loading. */
export function vdDoc(): any {
  const doc = smallRegime();
  doc.parties = [
    party('a', 'party', 'rus'),
    party('b', 'party', 'blr'),
    party('c', 'observer'),
    party('d'),
    party('e'),
  ];
  doc.categories.push(
    { id: 'battle-tanks', name: text('Battle tanks'), kind: 'quantity' },
    { id: 'units', name: text('Units'), kind: 'quantity' },
  );
  doc.zones.push(
    { id: 'blr', name: text('Belarus'), kind: 'country', country: 'BLR' },
    { id: 'rus', name: text('Russia'), kind: 'country', country: 'RUS' },
    {
      id: 'europe',
      name: text('Zone of application'),
      kind: 'area',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [-30, 35],
            [60, 35],
            [60, 72],
            [-30, 72],
            [-30, 35],
          ],
        ],
      },
    },
  );
  doc.notifications.push({
    id: RULE,
    name: text('Prior notification'),
    parties: 'all',
    trigger: {
      kind: 'activity',
      anyOf: [
        { category: 'troops', atLeast: 9000 },
        { category: 'battle-tanks', atLeast: 250 },
      ],
      zone: 'europe',
      observation: [
        { category: 'troops', atLeast: 13000 },
        { category: 'battle-tanks', atLeast: 300 },
      ],
    },
    deadline: { before: 'P42D' },
    withoutNotice: { after: 'PT0S' },
    calendar: {},
    constraints: [
      { anyOf: [{ category: 'troops', atLeast: 40000 }], atMost: 1, years: 3 },
      { anyOf: [{ category: 'troops', atLeast: 13000 }], atMost: 6, years: 1 },
    ],
    catalogue: { number: 24, article: 'VD11 ¶38–40, format F24', fields: ['name', 'start', 'end', 'quantities'] },
  });
  // The two-party exercise rule of the small regime would compete with this one.
  doc.notifications = doc.notifications.filter((n: { id: string }) => n.id !== 'exercise');
  return doc;
}

export function vdRegime(change?: (doc: any) => void): Regime {
  const doc = vdDoc();
  change?.(doc);
  return parseRegime(JSON.stringify(doc), 'json');
}

export { text };
