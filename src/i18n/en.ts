/**
 * English: the engine's messages and rule titles. Placeholders: `{name}` a parameter as it is (lists joined, with
 * "and N more" when `n` counts more), `{name:time}` an instant, `{name:duration}` a span (ISO 8601 or ms),
 * `{name:hash}` a hash shortened, `{name:term}` a vocabulary word (TERMS below), `{name|one|other}` a plural form.
 */
import type { RuleId } from '../engine/findings.js';
import type { MessageCode } from '../engine/messages.js';
import type { Catalogue } from './types.js';

const messages: Record<MessageCode, string> = {
  'log.equivocation':
    'the log {origin} signed two trees that cannot both be true (they differ within its first {size} entries); it is folded only up to size {foldedTo}; evidence: {evidence}',
  'regime.signature-mismatch': '{party} signed regime hash {signed:hash}, not this regime ({expected:hash})',
  'entry.wrong-log': "an entry of {party} is in {log}'s log ({origin}); it is ignored",
  'entry.wrong-log.no-party': 'an entry of {party} is in a log of no party ({origin}); it is ignored',
  'entry.unresolved-reference': "{party}'s {type} refers to {n} {n|entry|entries} not counted before it: {entries}",
  'entry.invalid-reference.opening': '{party} opens a declaration that is not its current escrowed declaration',
  'entry.invalid-reference.explanation': "{party}'s explanation answers no concern addressed to it",
  'entry.invalid-reference.acknowledgement': '{party} acknowledges an entry that is not a notification addressed to it',
  'entry.invalid-reference.reveal': "{party}'s reveal names no random commitment of its own",
  'entry.invalid-reference.refusal': '{party} refuses an entry that is not an inspection request addressed to it',
  'confidential.false-complaint':
    "{party} complains that {author}'s sealed entry does not open, but the key it reveals shows otherwise ({reason})",
  'confidential.undecryptable': "{party}'s sealed {type} does not open to the body it committed to ({reason})",
  'confidential.audience-widened': "{party}'s {type} is written for {audience}, wider than the regime's {allowed}",
  'declaration.incomplete':
    "{party}'s declaration as of {asOf} lists further items in blobs that could not be read; only the items in the entry count",
  'limit.exceeded': '{party}\'s declared count is above "{limit}" (at most {atMost}) from {from:time}',
  'limit.exceeded.in-zone':
    '{party}\'s declared count is above "{limit}" (at most {atMost} in {zone}) from {from:time}',
  'limit.exceeded-observed': 'observations indicate {party} above "{limit}" (at most {atMost}) from {from:time}',
  'limit.exceeded-observed.in-zone':
    'observations indicate {party} above "{limit}" (at most {atMost} in {zone}) from {from:time}',
  'commitment.invalid-withdrawal': '{party} withdraws "{commitment}" naming an acceptance that is not its current one',
  'notification.late': '{party} notified {kind:term} under "{rule}" {late:duration} late (due {due:time})',
  'notification.snap-late':
    '{party} notified an activity under "{rule}" carried out without advance notice to the troops {late:duration} after it began (due {due:time})',
  'notification.missing':
    'no notification by {party} is on record for the {kind:term} of {n} {n|item|items} under "{rule}": {items}',
  'notification.missing.activity':
    '{party}\'s activity observed from {first:time} reaches a threshold of "{rule}"; no notification is on record',
  'notification.unknown-item': "{party}'s notification names {n} {n|item|items} it never declared: {items}",
  'notification.explanation-late':
    '{party} explained a concern under "{rule}" {late:duration} after the deadline ({due:time})',
  'notification.explanation-missing': '{addressee} did not explain {party}\'s concern under "{rule}" by {due:time}',
  'acknowledgement.late': '{party} acknowledged {notifier}\'s notification under "{rule}" {late:duration} late',
  'acknowledgement.missing': '{party} did not acknowledge {notifier}\'s notification under "{rule}" by {due:time}',
  'inspection.short-notice':
    '{party} requested a "{type}" inspection at {site} arriving {arrival:time} with less than {notice:duration} notice',
  'inspection.quota-exceeded':
    '{party}\'s request is inspection {used} of "{type}" at {host} in its period; the quota is {quota}',
  'inspection.quota-exceeded.host':
    '{party}\'s request would be inspection {used} of "{type}" that {host} receives in its period; its passive quota is {quota}',
  'inspection.site-not-selected': '{party} already chose {chosen} for "{type}"; {site} is beyond its {count}',
  'inspection.site-not-selected.no-draw':
    '{party} requested "{type}" at {site} without the joint draw that selects its sites',
  'inspection.refused': '{host} refused {inspector}\'s due "{type}" inspection at {site} (arrival {arrival:time})',
  'inspection.not-conducted':
    '{inspector}\'s "{type}" inspection at {site} (arrival {arrival:time}) was due and no report followed',
  'inspection.report-mismatch': "{party}'s report on {site} does not match the request it names",
  'inspection.not-countersigned': "{host}'s escort did not countersign {party}'s report on {site}",
  'inspection.not-countersigned.host-nation':
    "{nation}'s escort, the host nation's, did not countersign {party}'s report on {site} (hosted by {host})",
  'inspection.consent-missing':
    "{inspector}'s visit to {site} (hosted by {host}) began at {start:time} without {nation}'s consent as host nation",
  'inspection.overran': "{party}'s inspection at {site} lasted longer than {duration:duration}",
  'inspection.reply-late':
    '{host} replied to {inspector}\'s "{type}" request for {site} {late:duration} after its {limit:duration} to reply',
  'inspection.entry-late':
    '{host} let {inspector}\'s "{type}" inspectors into {site} at {start:time}, {late:duration} after the {limit:duration} from the request',
  'inspection.item-not-found':
    "{inspector}'s inspectors did not find {n} {n|item|items} {host} declared at {site}: {items}",
  'inspection.item-mismatch': "at {site}, {n} {n|item differs|items differ} from {host}'s declaration: {items}",
  'inspection.absence-not-confirmed': "at {site}, {inspector}'s inspectors found what was to be absent: {items}",
  'inspection.undeclared-items': "at {site}, {inspector}'s inspectors found items {host} never declared: {items}",
  'inspection.configuration-not-confirmed':
    "at {site}, {inspector}'s inspectors did not confirm {n} {n|attribute|attributes} of the configuration {host} undertook: {items}",
  'inspection.site-not-drawn': '{party} requested an inspection at {site}, which draw {draw} did not select ({status})',
  'inspection.site-not-drawn.selected':
    '{party} requested an inspection at {site}, which draw {draw} did not select ({status}: {selected})',
  'escrow.duplicate-commitment':
    '{party} committed a second escrowed declaration as of {asOf} (root {root}); the first (root {first}) stands and this one is ignored',
  'escrow.invalid-opening.declaration': "{party}'s escrowed declaration does not verify: {detail}",
  'escrow.invalid-opening': "{party}'s opening does not verify: {detail}",
  'escrow.declared-not-found':
    "{host} opened {n} {n|item|items} at {site} that {inspector}'s inspectors did not find: {items}",
  'escrow.found-not-declared':
    "{inspector}'s inspectors found {n} {n|item|items} at {site} that {host}'s opening of the site does not list: {items}",
  'escrow.phase-not-opened':
    "{party} did not open {region} in full by {by}, as the regime's disclosure schedule requires, in its escrowed declaration as of {asOf}",
  'escrow.phase-not-opened.late':
    "{party} did not open {region} in full by {by}, as the regime's disclosure schedule requires, in its escrowed declaration as of {asOf} (opened late, {opened:time})",
  'draw.not-a-party': 'draw {draw}: {party} is not a party to the draw and took part in it',
  'draw.commit-late': 'draw {draw}: {party} recorded its random commitment after the commit deadline',
  'draw.commit-duplicate': 'draw {draw}: {party} recorded a second random commitment (ignored)',
  'draw.commit-missing': 'draw {draw}: {party} did not commit to a random value by the commit deadline',
  'draw.reveal-invalid': 'draw {draw}: the value {party} revealed does not match its commitment',
  'draw.reveal-late': 'draw {draw}: {party} revealed its random value after the reveal deadline',
  'draw.reveal-missing': 'draw {draw}: {party} did not reveal its random value by the reveal deadline',
  'metric.deadline-missed': '"{metric}" was not met by {deadline} (at most {atMost})',
  'metric.relapsed': '"{metric}" had been met and no longer is',
  'metric.relapsed.value': '"{metric}" had been met and no longer is: {value} against at most {atMost}',
  'metric.declaration-contradicted':
    '{party} declared {declared} for "{metric}"; independent sources agree on {verified}',
  'metric.sources-disagree': 'the sources for "{metric}" disagree beyond {percent} %: {observations}',
  'periodic.missing': '{party} has not declared its data as of {asOf} under "{obligation}", due {due:time}',
  'periodic.late': '{party} declared its data as of {asOf} under "{obligation}" {late:duration} late (due {due:time})',
  'observation.not-invited':
    '{party} notified an activity under "{rule}" starting {start:time} that reaches {atLeast} {category} and invited no observers',
  'calendar.not-listed':
    '{party}\'s activity under "{rule}" starting {start:time} is not in its annual calendar for {year}',
  'constraint.exceeded':
    '{party}\'s activity under "{rule}" starting {start:time} brings it to {n} activities reaching {atLeast} {category} within {years} calendar {years|year|years} (at most {atMost})',
  'constraint.exceeded.more-than':
    '{party}\'s activity under "{rule}" starting {start:time} brings it to {n} activities of more than {moreThan} {category} within {years} calendar {years|year|years} (at most {atMost})',
  'commitment.withdrawn': 'withdrawn by {party}, effective {effective:time}',
  'commitment.proposed': 'not accepted by {party}',
  'commitment.awaiting': 'awaiting: {conditions}',
  'commitment.breached': 'in force since {since:time}; indicators raised under: {rules:rule}',
  'commitment.breached.withdrawing':
    'in force since {since:time}; indicators raised under: {rules:rule}; withdrawal effective {effective:time}',
  'commitment.in-force': 'in force since {since:time}: accepted and every condition holds',
  'commitment.in-force.withdrawing':
    'in force since {since:time}: accepted and every condition holds; withdrawal effective {effective:time}',
  'condition.regime-in-force': 'the regime is in force',
  'condition.accepted': '"{commitment}" accepted',
  'condition.in-force': '"{commitment}" in force',
  'condition.metric-met': 'metric "{metric}" met',
  'condition.date': 'date {from} to {until}',
  'consultation.stage-missed':
    '{party} did not record stage "{stage}" of the consultation {raiser} opened under "{mechanism}" by {due:time}',
  'consultation.stage-late':
    '{party} recorded stage "{stage}" of the consultation {raiser} opened under "{mechanism}" {late:duration} after its deadline ({due:time})',
  'consultation.sessions-missing':
    '"{mechanism}" met {held} {held|time|times} between {from:time} and {to:time}; it is to meet at least {atLeast} {atLeast|time|times}',
  'consultation.out-of-order.unknown': "{party}'s {step} names no step of a consultation; it is ignored",
  'consultation.out-of-order.closed': "{party}'s {step} follows a consultation already closed; it is ignored",
  'consultation.out-of-order.followed': "{party}'s {step} follows a step another step already follows; it is ignored",
  'consultation.out-of-order.not-a-side': '{party} is neither side of the consultation its {step} names; it is ignored',
  'consultation.out-of-order.order': "{party}'s {step} comes at a stage out of order; it is ignored",
  'mission.objection-late':
    "{party} objected to names on {inspector}'s lists {late:duration} after the objection period ended ({due:time})",
  'mission.arrival-notice-short':
    '{party} notified its arrival at {pointOfEntry} (estimated {eta:time}) with less than {notice:duration} notice',
  'mission.refused': '{party} refused {inspector}\'s "{type}" inspection at {site}',
  'mission.step-misplaced.unknown':
    "{party}'s mission step {step} names no request or lists of a mission; it is ignored",
  'mission.step-misplaced.side': "{party}'s mission step {step} is the other side's to record; it is ignored",
  'mission.step-misplaced.closed':
    "{party}'s mission step {step} follows a refusal, postponement or force majeure; it is ignored",
  'mission.step-misplaced.no-rules': "{party}'s lists name an inspection type without mission rules; they are ignored",
  'mission.step-misplaced.consent':
    "{party}'s consent names no inspection at a site of which it is the host nation; it is ignored",
  'incident.indicators':
    '{n} {n|indicator|indicators} concerning {party} ({findings} {findings|finding|findings}): {rules:rule}',
  'incident.indicators.at':
    '{n} {n|indicator|indicators} concerning {party} at {place} ({findings} {findings|finding|findings}): {rules:rule}',
  'incident.question': 'question for {party}: what explains the records between {from:time} and {to:time}?',
  'incident.question.at':
    'question for {party}: what explains the records at {place} between {from:time} and {to:time}?',
};

const rules: Record<RuleId, string> = {
  'log.equivocation':
    "a party's log signed two trees that cannot both be true; it is folded only up to where they part",
  'regime.signature-mismatch': 'a party signed a regime hash other than this regime',
  'entry.wrong-log': "an entry speaks for a party other than its log's",
  'entry.unresolved-reference': 'an entry refers to an entry the engine does not hold',
  'entry.invalid-reference': 'an entry refers to an entry of the wrong type or party',
  'confidential.false-complaint': 'a complaint about a sealed entry that its revealed key refutes',
  'confidential.audience-widened': 'an entry is readable by more parties than the regime lets read it',
  'confidential.undecryptable':
    'a sealed entry does not decrypt, or decrypts to a body other than the one its author committed to',
  'declaration.incomplete': "a declaration's further items (blobs) could not be read",
  'limit.exceeded': 'what the party declared is above a binding limit',
  'limit.exceeded-observed': 'observations or inspections indicate counts above a binding limit',
  'commitment.invalid-withdrawal': 'a withdrawal names no current acceptance',
  'notification.late': 'a notification was made after its deadline',
  'notification.snap-late':
    'an activity carried out without advance notice to the troops was not notified when it began',
  'notification.missing': 'an observation or a later declaration shows a change for which no notification is on record',
  'notification.unknown-item': 'a notification names an item never declared',
  'notification.explanation-late': 'an explanation of a concern came after its deadline',
  'notification.explanation-missing': 'a concern was not explained by its deadline',
  'acknowledgement.late': 'a notification was acknowledged after the deadline',
  'acknowledgement.missing': 'a notification was not acknowledged by the deadline',
  'inspection.short-notice': 'an inspection was requested with less than the notice',
  'inspection.quota-exceeded': 'an inspection request exceeds the quota for its period',
  'inspection.site-not-selected': 'an inspection request names a site beyond the sites the inspector may select',
  'inspection.not-conducted': 'a due inspection was requested and no report followed',
  'inspection.refused': 'the host refused an inspection it was due to receive',
  'inspection.report-mismatch': 'a report does not match its request',
  'inspection.not-countersigned': "the host's escort did not countersign the report",
  'inspection.consent-missing': "a visit on a host nation's territory without its consent recorded before it began",
  'inspection.overran': 'an inspection lasted longer than allowed',
  'inspection.reply-late': 'the host replied to an inspection request after its time limit',
  'inspection.entry-late': 'the host let the inspectors in later than the time limit after the request',
  'inspection.item-not-found': 'a declared item was not found where declared',
  'inspection.item-mismatch': 'an inspected item differs from its declaration',
  'inspection.absence-not-confirmed': 'items whose absence was to be verified are present',
  'inspection.undeclared-items': 'inspectors found items no declaration lists',
  'inspection.configuration-not-confirmed': 'inspectors did not confirm the configuration the host undertook',
  'inspection.site-not-drawn': 'an inspection request names a joint draw that did not select its site',
  'escrow.duplicate-commitment': 'a second escrowed declaration for the same period (the first stands)',
  'escrow.invalid-opening': 'an opening (or escrowed declaration) that does not verify against its commitment',
  'escrow.declared-not-found': 'an item opened at a site was not found there by the inspectors',
  'escrow.found-not-declared': "inspectors found an item that the host's opening of the site does not list",
  'escrow.phase-not-opened': 'a region the regime schedules for disclosure was not opened in full by its date',
  'draw.not-a-party': 'a party outside a joint draw took part in it',
  'draw.commit-late': 'a random commitment was recorded after the commit deadline',
  'draw.commit-duplicate': 'a second random commitment for the same draw (ignored)',
  'draw.commit-missing': 'a party did not commit to a random value in time',
  'draw.reveal-invalid': 'a revealed value does not match its commitment',
  'draw.reveal-late': 'a random value was revealed after the reveal deadline',
  'draw.reveal-missing': 'a party did not reveal its random value in time',
  'metric.deadline-missed': 'a de-escalation metric was not met by its deadline',
  'metric.relapsed': 'a de-escalation metric that had been met is no longer met',
  'metric.declaration-contradicted': "independent observations contradict the party's declared value",
  'metric.sources-disagree': 'the independent sources of a metric disagree',
  'periodic.missing': 'a periodic declaration the regime requires was not made by its deadline',
  'periodic.late': 'a periodic declaration was made after its deadline',
  'observation.not-invited': 'an activity large enough to be observed was notified without inviting observers',
  'calendar.not-listed': 'a notifiable activity is missing from the annual calendar',
  'constraint.exceeded': 'more large activities than the constraints allow within one or three calendar years',
  'consultation.stage-missed': 'a stage of a consultation was not recorded by its deadline',
  'consultation.stage-late': 'a stage of a consultation was recorded after its deadline',
  'consultation.sessions-missing': 'a consultation mechanism met fewer times in a period than the regime says',
  'consultation.out-of-order': 'a consultation step that does not follow its consultation (ignored)',
  'mission.objection-late': 'an objection to inspectors or aircrew came after the objection period',
  'mission.arrival-notice-short': 'an arrival at the point of entry was notified with less than the notice',
  'mission.refused': 'the host refused a requested inspection',
  'mission.step-misplaced': 'a mission step by the wrong side, or naming no mission (ignored)',
};

export const en: Catalogue = {
  messages,
  rules,
  terms: {
    movement: 'movement',
    'status-change': 'status change',
    activity: 'activity',
    concern: 'concern',
    explanation: 'explanation',
    calendar: 'annual calendar',
  },
  words: {
    more: 'and {n} more',
    utc: 'UTC',
    years: '{n} {n|year|years}',
    months: '{n} {n|month|months}',
    weeks: '{n} {n|week|weeks}',
    days: '{n} {n|day|days}',
    hours: '{n} h',
    minutes: '{n} min',
    seconds: '{n} s',
    'under-an-hour': 'under an hour',
  },
};
