/**
 * A banner while the node has a fork on record that no operator has acknowledged (`/api/health`): the forked log
 * is folded only up to where its branches part, and the state on every other view is incomplete for it.
 */
import { useEffect, useState } from 'react';
import { getJson } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';

interface Fork {
  party: string;
  origin: string;
  file: string;
  foldedTo: number;
  acknowledged: boolean;
}

const POLL_MS = 10_000;

export function ForkBanner() {
  const { t } = useI18n();
  const [forks, setForks] = useState<Fork[]>([]);
  useEffect(() => {
    let stopped = false;
    const poll = () =>
      getJson<{ forks?: Fork[] }>('/api/health')
        .then((h) => {
          if (!stopped) setForks((h.forks ?? []).filter((f) => !f.acknowledged));
        })
        .catch(() => {});
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (forks.length === 0) return null;
  return (
    <div className="fork-banner" role="alert" data-testid="fork-banner">
      {forks.map((f) => (
        <p key={f.file}>{t('fork.banner', { party: f.party, origin: f.origin, foldedTo: f.foldedTo, file: f.file })}</p>
      ))}
    </div>
  );
}
