/**
 * Serves the dashboard (the Vite build in dist/web) at `/`:
 *
 *   /assets/<name>-<hash>.<ext>   immutable for a year (the name changes whenever the content does)
 *   /, /index.html and client routes (/map, /board, /timeline, /entry/…, /act/…)
 *                                 index.html, `no-cache`, with a Content-Security-Policy that allows this origin
 *                                 only: the dashboard works air-gapped and cannot be made to call anything else
 *   /api/…, /logs/…, /docs/…      never the SPA: an unknown path there is the app's 404 (JSON), not a page
 *
 * The plugin is encapsulated: its `sendFile` decorator and routes do not leak into the rest of the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export interface WebPluginOptions {
  /** The built dashboard (default: dist/web of this checkout). */
  root?: string;
}

export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PAGE_CACHE_CONTROL = 'no-cache';
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Paths that belong to the server, never to the client router. */
const SERVER_PATHS = /^\/(api|logs|docs)(\/|$)/;

/** dist/web next to this module's build (dist/src/api → dist/web; src/api under vitest → dist/web). */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${sep}dist${sep}`) ? join(here, '..', '..', 'web') : join(here, '..', '..', 'dist', 'web');
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', PAGE_CACHE_CONTROL)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

export const webPlugin: FastifyPluginAsync<WebPluginOptions> = async (app, options) => {
  const root = options.root ?? defaultWebRoot();
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ root }, 'the dashboard is not built (npm run build:web): / serves a notice');
    app.get('/', (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build:web`.\n'),
    );
    return;
  }
  // Read once: index.html is small and changes only with a new build (and a restart).
  const index = readFileSync(indexFile);

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false, // one route per built file; everything else falls to the handler below
    index: false,
    cacheControl: false,
    etag: true,
    lastModified: true,
    dotfiles: 'deny',
    setHeaders(reply, path) {
      if (path.startsWith(join(root, 'assets') + sep)) reply.header('cache-control', ASSET_CACHE_CONTROL);
      else pageHeaders(reply);
      reply.header('x-content-type-options', 'nosniff');
    },
  });

  const sendIndex = (reply: FastifyReply) => pageHeaders(reply).type('text/html; charset=utf-8').send(index);
  // The pages are not API operations: hidden from the OpenAPI document.
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // Server paths, and anything that looks like a file (a missing asset), are a real 404.
    if (SERVER_PATHS.test(path) || /\.[A-Za-z0-9]{1,8}$/.test(path)) return reply.callNotFound();
    return sendIndex(reply);
  });
};
