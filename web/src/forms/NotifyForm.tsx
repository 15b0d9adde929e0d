/**
 * File a prior notification of a military activity: the body is checked with the model's zod schema and the
 * regime's vocabulary as the user types; the rule's deadline (e.g. 42 days before the start) is shown, and a start
 * closer than that is flagged: the node will log it, and the engine will record it as late.
 */
import { useMemo, useState } from 'react';
import { addDuration, ruleParties } from '../../../src/model/index.js';
import { useData } from '../data.js';
import { formatDuration, formatUtc, useI18n } from '../i18n/i18n.js';
import { useNow } from '../useNow.js';
import type { Me } from './ActView.js';
import { FieldErrors, InvalidHint, SubmitResult, useSubmit } from './Submit.js';
import { UtcInput } from './UtcInput.js';
import { addProblem, checkBody } from './validate.js';

export function NotifyForm({ token, me }: { token: string; me?: Me }) {
  const { regime } = useData();
  const { t, text, lang } = useI18n();
  const now = useNow();
  const party = me?.party ?? regime.parties.find((p) => p.status === 'party')?.id ?? '';
  const rules = regime.notifications.filter(
    (n) => n.trigger.kind === 'activity' && ruleParties(regime, n).includes(party),
  );
  const [ruleChoice, setRule] = useState('');
  const rule = rules.find((r) => r.id === ruleChoice) ?? rules[0];
  const [nameEn, setNameEn] = useState('');
  const [nameRu, setNameRu] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [category, setCategory] = useState('troops');
  const [quantity, setQuantity] = useState('');
  const { state: submit, send } = useSubmit(token);
  const categories = regime.categories.filter((c) => c.kind === 'quantity');

  const body = useMemo(
    () => ({
      kind: 'activity',
      rule: rule?.id ?? '',
      name: { en: nameEn, ru: nameRu },
      start: start ? `${start}:00Z` : '',
      end: end ? `${end}:00Z` : '',
      quantities: quantity === '' ? [] : [{ category, quantity: Number(quantity) }],
    }),
    [rule, nameEn, nameRu, start, end, category, quantity],
  );
  const problems = useMemo(() => checkBody(regime, party, 'notification', body), [regime, party, body]);
  if (start && end && end < start) addProblem(problems, 'end', t('form.endBeforeStart'));
  const valid = Object.keys(problems).length === 0;
  // When the rule wants notice before the event: the last moment to notify for this start, and whether it is past.
  const before = rule?.deadline.before;
  const dueBy = before && start ? addDuration(Date.parse(`${start}:00Z`), before, -1) : undefined;
  const late = dueBy !== undefined && dueBy < now;
  const threshold =
    rule?.trigger.kind === 'activity' ? rule.trigger.anyOf.find((a) => a.category === category) : undefined;
  const below = threshold && quantity !== '' && Number(quantity) < threshold.atLeast;

  return (
    <form
      className="workflow"
      data-testid="notify"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void send('notification', body);
      }}
    >
      <label className="field">
        {t('form.rule')}
        <select name="rule" value={rule?.id ?? ''} onChange={(e) => setRule(e.target.value)}>
          {rules.map((r) => (
            <option key={r.id} value={r.id}>
              {text(r.name)}
            </option>
          ))}
        </select>
        <FieldErrors id="err-rule" errors={problems.rule} />
      </label>
      <label className="field">
        {t('form.nameEn')}
        <input name="name-en" value={nameEn} onChange={(e) => setNameEn(e.target.value)} />
      </label>
      <label className="field">
        {t('form.nameRu')}
        <input name="name-ru" lang="ru" value={nameRu} onChange={(e) => setNameRu(e.target.value)} />
        <FieldErrors id="err-name" errors={problems.name} />
      </label>
      <label className="field">
        {t('form.start')}
        <UtcInput withTime name="start" value={start} onChange={setStart} />
        {before ? (
          <span className="field-help">
            {t('form.noticeBefore', {
              notice: formatDuration(before, t, lang),
              latest: formatUtc(addDuration(now, before)),
            })}
          </span>
        ) : null}
        {late ? (
          <span className="field-warning" data-testid="late-warning">
            {t('form.willBeLate', { due: formatUtc(dueBy) })}
          </span>
        ) : null}
        <FieldErrors id="err-start" errors={problems.start} />
      </label>
      <label className="field">
        {t('form.end')}
        <UtcInput withTime name="end" value={end} onChange={setEnd} />
        <FieldErrors id="err-end" errors={problems.end} />
      </label>
      <div className="field-row">
        <label className="field">
          {t('form.category')}
          <select name="category" value={category} onChange={(e) => setCategory(e.target.value)}>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {text(c.name)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('form.quantity')}
          <input
            type="number"
            name="quantity"
            min={0}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            aria-invalid={problems.quantities ? true : undefined}
          />
        </label>
      </div>
      {below ? <span className="field-help">{t('form.belowThreshold', { n: threshold.atLeast })}</span> : null}
      <FieldErrors id="err-quantities" errors={problems.quantities} />
      <FieldErrors id="err-form" errors={problems._} />
      <div>
        <button type="submit" className="primary" disabled={!valid || !token || submit.status === 'sending'}>
          {t('form.submit')}
        </button>
        {!valid ? <InvalidHint /> : null}
      </div>
      <SubmitResult state={submit} />
    </form>
  );
}
