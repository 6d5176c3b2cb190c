import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The API's own prefix: everything else a browser GETs is the web console. */
const API = /^\/v1(\/|$)/;

/**
 * Where the built web console is: `configured` (CONSOLE_WEB_ROOT) when given, else packages/web/dist
 * of the repository this console runs from (found upwards from here, from src/ or dist/ alike).
 * Null when it is not built.
 */
export function webRootOf(configured: string | undefined, from = import.meta.dirname): string | null {
  if (configured !== undefined) return existsSync(join(configured, 'index.html')) ? resolve(configured) : null;
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      const dist = join(dir, 'packages', 'web', 'dist');
      return existsSync(join(dist, 'index.html')) ? dist : null;
    }
  }
  return null;
}

/**
 * The browser's headers on every answer: the page and its scripts only from this origin, no inline
 * script, never framed, no referrer, no MIME sniffing (helmet adds the rest of its defaults).
 */
export const securityHeaders = () =>
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });

/**
 * Serves the web console at `/`: its files, and index.html for any other GET outside /v1 (the app's
 * own routes, /deployments/…), so a reload or a shared link lands in the app. Without a build it says
 * so on every such page with a 503, and the API goes on working.
 */
export function serveWebConsole(app: INestApplication, root: string | null): void {
  app.use(securityHeaders());
  if (root === null) {
    app.use((request: Request, response: Response, next: NextFunction) => {
      if (!pageRequest(request)) return next();
      response
        .status(503)
        .type('text/plain')
        .send('The Hearth web console is not built: run `pnpm build` (it builds packages/web), then reload.\n');
    });
    return;
  }
  // Hashed assets may be kept; index.html never is, so a new build is picked up at once.
  const files = express.static(root, { index: false, redirect: false, fallthrough: true, maxAge: '1h' });
  const index = join(root, 'index.html');
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!pageRequest(request)) return next();
    files(request, response, () => {
      response.setHeader('cache-control', 'no-cache');
      response.sendFile(index);
    });
  });
}

function pageRequest(request: Request): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !API.test(request.path);
}
