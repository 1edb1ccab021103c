/**
 * The operator web console: a small static app (plain ES modules, an SVG chart, no framework, nothing
 * loaded from the network) that talks to the operators' REST API with the API key typed into its login
 * form. {@link consolePlugin} serves it; the API mounts it at `/console`.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** The files the console consists of, with their content types. Nothing else is served. */
export const CONSOLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'pages.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
});

/** Where the console's files are (beside `src/` and `dist/`, so sources and builds find them alike). */
export const CONSOLE_DIR = new URL('../public/', import.meta.url);

/** Options of {@link consolePlugin}. */
export interface ConsolePluginOptions {
  /** Directory to serve instead of {@link CONSOLE_DIR} (tests, custom builds). */
  readonly dir?: URL | string;
}

// Everything comes from this origin: a page that cannot reach a CDN still works, and injected markup cannot
// load or send anything elsewhere.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * Fastify plugin serving the console (register it with a `prefix`, e.g. `/console`). The files are read once
 * at registration: registration rejects when one is missing (a broken install). The routes are marked
 * `config.public` (the files hold no data; every API call the page makes carries the key), and hidden
 * from the OpenAPI document. `<prefix>` redirects to `<prefix>/`; an unknown file goes to the app's
 * not-found handler.
 */
export const consolePlugin: FastifyPluginAsync<ConsolePluginOptions> = async (app, opts) => {
  const base =
    opts.dir === undefined ? CONSOLE_DIR : new URL(String(opts.dir).replace(/\/?$/, '/'), 'file:///');
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, type] of Object.entries(CONSOLE_FILES)) {
    files.set(name, { body: readFileSync(new URL(name, base)), type });
  }
  const send = (reply: FastifyReply, name: string): FastifyReply => {
    const f = files.get(name) as { body: Buffer; type: string };
    return reply
      .header('content-type', f.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(f.body);
  };
  // A plain record: the `public` flag is the API's route config (declared there), not fastify's.
  const config: Record<string, unknown> = { public: true };
  // Hidden from the OpenAPI document (@fastify/swagger reads `hide`).
  const schema = { hide: true } as Record<string, unknown>;

  app.get('/', { config, schema }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    // Relative module URLs in index.html need the trailing slash.
    if (!path.endsWith('/')) return reply.redirect(`${path}/`, 301);
    return send(reply, 'index.html');
  });
  app.get('/:file', { config, schema }, async (req, reply) => {
    const { file } = req.params as { file: string };
    if (!files.has(file)) return reply.callNotFound();
    return send(reply, file);
  });
};
