/** The shape every language's catalogue has; the type makes a missing key a compile error, the test a failure. */
import type { RuleId } from '../engine/findings.js';
import type { MessageCode } from '../engine/messages.js';

export const LANGS = ['en', 'ru'] as const;
export type Lang = (typeof LANGS)[number];

/** Vocabulary words a message names through `{x:term}`: the kinds of notification. */
export type Term = 'movement' | 'status-change' | 'activity' | 'calendar' | 'concern' | 'explanation';

/** Words the renderer itself needs: list tails and duration units. */
export type Word =
  | 'more'
  | 'utc'
  | 'years'
  | 'months'
  | 'weeks'
  | 'days'
  | 'hours'
  | 'minutes'
  | 'seconds'
  | 'under-an-hour';

export interface Catalogue {
  /** The engine's messages, by code. */
  messages: Record<MessageCode, string>;
  /** A one-line title of each rule the engine checks. */
  rules: Record<RuleId, string>;
  terms: Record<Term, string>;
  words: Record<Word, string>;
}
