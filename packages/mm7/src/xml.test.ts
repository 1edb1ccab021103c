import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { attr, child, childrenNamed, elementToNode, parseXml, serializeXml } from './xml.js';

test('namespaces resolve through prefixes, defaults and redeclarations; attributes match by local name', () => {
  const root = parseXml(
    '<a:R xmlns:a="urn:a" xmlns="urn:d"><X a:href=" cid:1 " plain="p"/><a:Y xmlns:a="urn:a2"><Z xmlns=""/></a:Y><q:U/></a:R>',
  );
  assert.equal(root.local, 'R');
  assert.equal(root.namespace, 'urn:a');
  assert.equal(child(root, 'X')?.namespace, 'urn:d');
  assert.equal(attr(child(root, 'X') as never, 'href'), 'cid:1');
  assert.equal(attr(child(root, 'X') as never, 'plain'), 'p');
  assert.equal(attr(root, 'a'), undefined, 'xmlns declarations are not attributes');
  assert.equal(child(root, 'Y')?.namespace, 'urn:a2');
  assert.equal(child(child(root, 'Y'), 'Z')?.namespace, undefined);
  assert.equal(child(root, 'U')?.namespace, undefined, 'undeclared prefix tolerated');
  assert.equal(childrenNamed(root, 'X').length, 1);
  assert.equal(child(undefined, 'X'), undefined);
});

test('limits: size and depth', () => {
  assert.throws(
    () => parseXml('<a/>'.padEnd(100, ' '), { maxChars: 50 }),
    (e: unknown) => isHubError(e, 'HUB_ERR_MM7_XML_INVALID'),
  );
  const deep = `${'<a>'.repeat(20)}${'</a>'.repeat(20)}`;
  assert.throws(
    () => parseXml(deep, { maxDepth: 10 }),
    (e: unknown) => isHubError(e, 'HUB_ERR_MM7_XML_INVALID'),
  );
  assert.equal(parseXml(deep).local, 'a');
});

test('serializeXml escapes text and attributes and drops characters XML cannot carry', () => {
  const xml = serializeXml({
    name: 'p:a',
    attributes: { 'xmlns:p': 'urn:p', v: '"<&>\'', skip: undefined },
    children: [{ name: 'b', text: 'x<y>&z\u0000\u0007' }, undefined],
  });
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<p:a xmlns:p="urn:p" v="&quot;&lt;&amp;&gt;&apos;"><b>x&lt;y&gt;&amp;z</b></p:a>',
  );
  const back = parseXml(xml);
  assert.equal(back.attributes.v, '"<&>\'');
  assert.equal(child(back, 'b')?.text, 'x<y>&z');
});

test('elementToNode re-declares namespaces an extension inherited', () => {
  const root = parseXml('<r xmlns:m="urn:m"><m:Ext k="v"><m:In>t</m:In></m:Ext></r>');
  const ext = child(root, 'Ext');
  assert.ok(ext);
  const again = parseXml(serializeXml(elementToNode(ext)));
  assert.equal(again.namespace, 'urn:m');
  assert.equal(child(again, 'In')?.namespace, 'urn:m');
  assert.equal(again.attributes.k, 'v');
  assert.deepEqual(
    elementToNode(ext, { m: 'urn:m' }).attributes,
    { k: 'v' },
    'nothing added when already in scope',
  );
});
