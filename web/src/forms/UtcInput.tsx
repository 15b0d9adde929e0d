/**
 * A UTC day or minute typed and shown as ISO 8601 (`2022-03-08`, `2022-03-08 08:00`), the same in both languages.
 * The browser's own date picker formats by the reader's locale (3/8/2022, 08.03.2022) and reads as local time;
 * every time here is UTC, so the control says so beside it.
 */
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { parseUtcInput } from './utc-input.js';

/** How a value is shown: the day, or the day and the minute with a space. */
const shown = (value: string) => value.replace('T', ' ');

export interface UtcInputProps {
  /** `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM` with `withTime` (what a native input's value would be); '' for none. */
  value: string;
  /**
   * Called with each edit: the value in that form when the text is a day (or minute), '' when it is empty, and
   * otherwise the text as typed, so that a form's own check refuses it rather than keep an older value.
   */
  onChange: (value: string, valid: boolean) => void;
  withTime?: boolean;
  name?: string;
  testId?: string;
  invalid?: boolean;
  describedBy?: string;
}

export function UtcInput({ value, onChange, withTime = false, name, testId, invalid, describedBy }: UtcInputProps) {
  const { t } = useI18n();
  // What was typed, while the value is the one it was typed over or the one it gave (a parent may keep the first
  // when the text is no day: the as-of control does); a value set from elsewhere replaces it.
  const [draft, setDraft] = useState<{ text: string; from: string; to: string } | undefined>();
  const text = draft && (draft.from === value || draft.to === value) ? draft.text : shown(value);
  const bad = text.trim() !== '' && parseUtcInput(text, withTime) === undefined;
  const format = withTime ? 'YYYY-MM-DD HH:MM' : 'YYYY-MM-DD';
  return (
    <span className="utc-input">
      <input
        type="text"
        inputMode="numeric"
        name={name}
        data-testid={testId}
        value={text}
        placeholder={format}
        size={withTime ? 17 : 11}
        spellCheck={false}
        autoComplete="off"
        title={t('form.utcFormat', { format })}
        aria-invalid={invalid || bad ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          const typed = e.target.value;
          const parsed = typed.trim() === '' ? '' : parseUtcInput(typed, withTime);
          const next = parsed ?? typed;
          setDraft({ text: typed, from: value, to: next });
          onChange(next, parsed !== undefined);
        }}
      />{' '}
      <span className="muted small">UTC</span>
      {bad && !invalid ? (
        <span className="error small" role="alert" data-testid="utc-input-format">
          {' '}
          {t('form.utcFormat', { format })}
        </span>
      ) : null}
    </span>
  );
}
