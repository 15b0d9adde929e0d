/** A tiny client router on the History API: /map, /board, /timeline, /entry/<origin>/<index>, /act, /health, /incidents, /missions. */
import { useEffect, useState } from 'react';

export type Route =
  | { view: 'map'; site?: string }
  | { view: 'board' }
  | { view: 'timeline' }
  | { view: 'entry'; origin: string; index: number }
  | { view: 'act'; form?: string }
  | { view: 'health' }
  | { view: 'incidents' }
  | { view: 'missions' };

export function parseRoute(pathname: string, search = ''): Route {
  const parts = pathname.split('/').filter(Boolean);
  const q = new URLSearchParams(search);
  switch (parts[0]) {
    case 'board':
      return { view: 'board' };
    case 'timeline':
      return { view: 'timeline' };
    case 'health':
      return { view: 'health' };
    case 'incidents':
      return { view: 'incidents' };
    case 'missions':
      return { view: 'missions' };
    case 'act':
      return parts[1] ? { view: 'act', form: parts[1] } : { view: 'act' };
    case 'entry': {
      const index = Number(parts[parts.length - 1]);
      const origin = decodeURIComponent(parts.slice(1, -1).join('/'));
      if (origin && Number.isSafeInteger(index)) return { view: 'entry', origin, index };
      return { view: 'timeline' };
    }
    default: {
      const site = q.get('site');
      return site ? { view: 'map', site } : { view: 'map' };
    }
  }
}

export function entryHref(origin: string, index: number): string {
  return `/entry/${encodeURIComponent(origin)}/${index}`;
}

export function navigate(href: string): void {
  if (href === location.pathname + location.search) return;
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.pathname, location.search));
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return route;
}

/** An <a> click that stays in the app (plain clicks only; modified clicks open a tab as usual). */
export function onLinkClick(e: React.MouseEvent<HTMLAnchorElement>): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(e.currentTarget.getAttribute('href') ?? '/');
}
