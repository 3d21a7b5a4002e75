// Serves the built web app when apps/web/dist (GATEWAY_WEB_DIR) exists: hashed assets are
// cached for a year, index.html is revalidated on every load, and any other GET that names
// no file gets index.html so the single-page app's own router can show the page.
import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { type HttpApp, sendProblem } from '@ticketing/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Paths that belong to the platform, never to the web app. */
const PLATFORM_PATHS = ['/api', '/actuator', '/metrics', '/openapi.json', '/.well-known'];

/** Vite names built files `name-<hash>.ext`; those never change, so browsers may keep them. */
const HASHED_FILE = /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

export function cacheControlFor(filePath: string): string {
  if (basename(filePath) === 'index.html') return 'no-cache';
  if (filePath.split(sep).includes('assets') || HASHED_FILE.test(basename(filePath)))
    return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

function isPlatformPath(path: string): boolean {
  return PLATFORM_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export async function registerWebApp(app: HttpApp, webDir: string): Promise<void> {
  const root = resolve(webDir);
  if (!existsSync(resolve(root, 'index.html'))) {
    // No web app built yet: the front door shows the API instead of a 404.
    app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/api/docs/'));
    return;
  }
  app.log.info({ webDir: root }, 'serving the web app');
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      serve: false,
      cacheControl: false,
      setHeaders: (reply, filePath) => void reply.header('cache-control', cacheControlFor(filePath)),
    });
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0]!;
      if (isPlatformPath(path))
        return sendProblem(reply, request, 404, 'route_not_found', `No route for ${request.method} ${path}`);
      let relative: string;
      try {
        relative = decodeURIComponent(path).replace(/^\/+/, '');
      } catch {
        return sendProblem(reply, request, 400, 'bad_path', 'The path is not valid percent-encoding');
      }
      const file = resolve(root, relative);
      const inside = file === root || file.startsWith(`${root}${sep}`);
      if (inside && relative !== '' && existsSync(file) && statSync(file).isFile())
        return reply.sendFile(relative);
      // A path with a file extension names a file that is not there; anything else is a page of the app.
      if (extname(path) !== '') return sendProblem(reply, request, 404, 'not_found', `No file ${path}`);
      return reply.sendFile('index.html');
    };
    scope.get('/', { schema: { hide: true } }, serve);
    scope.get('/*', { schema: { hide: true } }, serve);
  });
}
