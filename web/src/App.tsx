import { lazy, Suspense } from 'react';
import { AsOfBar } from './AsOfBar.js';
import { useLoaded } from './data.js';
import { ForkBanner } from './health/ForkBanner.js';
import { LANGS, useI18n } from './i18n/i18n.js';
import { MapView } from './map/MapView.js';
import { onLinkClick, type Route, useRoute } from './router.js';

// The map is the first view; the others (charts, schemas, the verifier) load when first opened.
const BoardView = lazy(() => import('./board/BoardView.js').then((m) => ({ default: m.BoardView })));
const TimelineView = lazy(() => import('./timeline/TimelineView.js').then((m) => ({ default: m.TimelineView })));
const EntryView = lazy(() => import('./entry/EntryView.js').then((m) => ({ default: m.EntryView })));
const LogHealthView = lazy(() => import('./health/LogHealthView.js').then((m) => ({ default: m.LogHealthView })));
const ActView = lazy(() => import('./forms/ActView.js').then((m) => ({ default: m.ActView })));
const IncidentsView = lazy(() => import('./views/IncidentsView.js').then((m) => ({ default: m.IncidentsView })));
const MissionsView = lazy(() => import('./views/MissionsView.js').then((m) => ({ default: m.MissionsView })));

const NAV: {
  view: Route['view'];
  href: string;
  key: 'nav.map' | 'nav.board' | 'nav.incidents' | 'nav.missions' | 'nav.timeline' | 'nav.health' | 'nav.act';
}[] = [
  { view: 'map', href: '/map', key: 'nav.map' },
  { view: 'board', href: '/board', key: 'nav.board' },
  { view: 'incidents', href: '/incidents', key: 'nav.incidents' },
  { view: 'missions', href: '/missions', key: 'nav.missions' },
  { view: 'timeline', href: '/timeline', key: 'nav.timeline' },
  { view: 'health', href: '/health', key: 'nav.health' },
  { view: 'act', href: '/act', key: 'nav.act' },
];

export function App() {
  const route = useRoute();
  const loaded = useLoaded();
  const { t, lang, setLang, text } = useI18n();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          <span className="name">{t('app.title')}</span>
          <span className="tagline">{t('app.subtitle')}</span>
        </div>
        <nav aria-label="main" className="tabs">
          {NAV.map((n) => (
            <a
              key={n.view}
              href={n.href}
              onClick={onLinkClick}
              aria-current={route.view === n.view ? 'page' : undefined}
              data-nav={n.view}
            >
              {t(n.key)}
            </a>
          ))}
        </nav>
        <div className="top-right">
          {loaded.status === 'ready' ? (
            <span className="regime small" title={loaded.data.regimeHash}>
              {text(loaded.data.regime.name)}
            </span>
          ) : null}
          <fieldset className="lang" aria-label={t('lang.label')}>
            {LANGS.map((l) => (
              <button
                key={l.id}
                type="button"
                lang={l.id}
                aria-pressed={lang === l.id}
                title={l.name}
                data-lang={l.id}
                onClick={() => setLang(l.id)}
              >
                {l.label}
              </button>
            ))}
          </fieldset>
        </div>
      </header>
      <ForkBanner />
      <main id="main" tabIndex={-1}>
        {loaded.status === 'loading' ? (
          <p className="muted">{t('common.loading')}</p>
        ) : loaded.status === 'error' ? (
          <p className="error" role="alert">
            {t('common.error', { message: loaded.message })}
          </p>
        ) : (
          <>
            <AsOfBar />
            <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
              <View route={route} />
            </Suspense>
          </>
        )}
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'map':
      return <MapView selected={route.site} />;
    case 'board':
      return <BoardView />;
    case 'timeline':
      return <TimelineView />;
    case 'entry':
      return <EntryView origin={route.origin} index={route.index} />;
    case 'act':
      return <ActView form={route.form} />;
    case 'health':
      return <LogHealthView />;
    case 'incidents':
      return <IncidentsView />;
    case 'missions':
      return <MissionsView />;
  }
}
