import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { CONSOLE_FILES, consolePlugin } from './index.js';

test('serves every console file with its type and a same-origin CSP; redirects to the trailing slash', async () => {
  const app = Fastify();
  const seen: unknown[] = [];
  app.addHook('onRequest', async (req) => {
    seen.push(req.routeOptions.config);
  });
  await app.register(consolePlugin, { prefix: '/console' });
  try {
    const redirect = await app.inject('/console');
    assert.equal(redirect.statusCode, 301);
    assert.equal(redirect.headers.location, '/console/');
    const index = await app.inject('/console/');
    assert.equal(index.statusCode, 200);
    assert.match(String(index.headers['content-type']), /^text\/html/);
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'; script-src 'self'/);
    // Every file the page references is one the plugin serves, and nothing points off-site.
    const refs = [...index.body.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] as string);
    assert.ok(refs.length >= 3);
    for (const r of refs) assert.ok(r in CONSOLE_FILES, `${r} is served`);
    for (const [name, type] of Object.entries(CONSOLE_FILES)) {
      const res = await app.inject(`/console/${name}`);
      assert.equal(res.statusCode, 200, name);
      assert.equal(res.headers['content-type'], type);
      assert.doesNotMatch(res.body, /https?:\/\/(?!www\.w3\.org)/, `${name} loads nothing from the network`);
    }
    assert.equal((await app.inject('/console/../package.json')).statusCode, 404);
    assert.equal((await app.inject('/console/secret.txt')).statusCode, 404);
    assert.ok(
      seen.some((c) => (c as { public?: boolean }).public === true),
      'routes are marked public',
    );
  } finally {
    await app.close();
  }
});
