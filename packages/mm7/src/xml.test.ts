import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import fc from 'fast-check';
import {
  attr,
  child,
  childrenNamed,
  elementToNode,
  parseXml,
  parseXmlReference,
  serializeXml,
} from './xml.js';

const GOLDEN = new URL('./__golden__', import.meta.url).pathname;

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

// ---- the fast path against fast-xml-parser --------------------------------------------------------------

/** The outcome of a parse as comparable data: the tree, or the error's code, message and details. */
function outcome(parse: () => unknown): unknown {
  try {
    return { ok: parse() };
  } catch (e) {
    if (!isHubError(e)) throw e;
    return { code: e.code, message: e.message, details: e.details };
  }
}

function sameAsReference(xml: string, limits?: { maxDepth?: number }): void {
  assert.deepStrictEqual(
    outcome(() => parseXml(xml, limits)),
    outcome(() => parseXmlReference(xml, limits)),
    JSON.stringify(xml),
  );
}

const goldenXml = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => readFileSync(join(GOLDEN, f), 'utf8'));

test('the fast path builds the trees fast-xml-parser builds: golden envelopes and edge cases', () => {
  for (const xml of goldenXml) sameAsReference(xml);
  const cases = [
    '<a>x<!-- c -->y</a>',
    '<a> x <!-- c --> y </a>',
    '<a> x <b/> y </a>',
    '<a>&#72;&#x69; &lt;3 <![CDATA[ &amp; ]]> tail </a>',
    '<a><![CDATA[]]></a>',
    '<a>&#32;x&#32;</a>',
    '<a>&amp;amp;&foo;</a>',
    '<a>&#x;</a>',
    '<a>a & b</a>',
    '<a v=" &lt;x&gt; &unknown; " w = \'it"s\'\n\tx="1\t2"/>',
    '<a\r\nx="1\r\n2">l1\r\nl2\rl3</a>',
    '<?xml version="1.0" encoding="UTF-8"?>\n<a/>',
    '<?xml version="1.0"?><?pi x?><a/>',
    '<a><?pi?>x</a>',
    '  \n<a/>\n<!-- after -->\n',
    '<a/><b/>',
    '<a/>text',
    'text<a/>',
    '<a></b>',
    '<a>',
    '<a x="1" x="2"/>',
    '<a x="1"y="2"/>',
    '<a x/>',
    '<a x=1/>',
    '<a x="<"/>',
    '<a/ >',
    '<a ></a >',
    '</a>',
    '< a/>',
    '<a::b/>',
    '<:a/>',
    '<a:/>',
    '<__proto__/>',
    '<a toString="1"/>',
    '<a constructor="1"/>',
    '<é/>',
    '<a é="1"/>',
    '<a><!--x</a>',
    '<a><![CDATA[x</a>',
    '<![CDATA[x]]><a/>',
    '<!FOO><a/>',
    '\ufeff<a/>',
    '',
    '   ',
    '<a>\u00a0x\u00a0</a>',
    '<a xmlns="urn:d" xmlns:p=" urn:p\n urn:q "><p:b/><c xmlns=""/></a>',
  ];
  for (const xml of cases) sameAsReference(xml);
  const deep = (d: number) => `${'<a>'.repeat(d)}${'</a>'.repeat(d)}`;
  for (const d of [63, 64, 65, 128, 129, 130]) {
    sameAsReference(deep(d));
    sameAsReference(deep(d), { maxDepth: 200 });
  }
  sameAsReference(`${'<a>'.repeat(64)}<b/>${'</a>'.repeat(64)}`);
});

// Documents from a grammar with the constructs (and near misses) the fast path decides on; mostly
// well-formed, so the fast path's trees get compared as often as its refusals.
const rare = <T>(common: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: common, weight: 12 }, { arbitrary: odd, weight: 1 });
const name = rare(
  fc.constantFrom('a', 'b', 'mm7:To', 'env:Body', 'x-y.z', '_u', 'A1'),
  fc.constantFrom('a::b', '1a', 'toString', 'é', 'a:', ''),
);
const sp = rare(fc.constantFrom('', ' ', '\n', '\r\n'), fc.constantFrom('\t', '  ', '\r'));
const textChunk = rare(
  fc.constantFrom('x', ' y ', '\n', '\r\n', '&amp;', '&lt;', '&#65;', '&#x1F600;', '>', '\u00a0', 'é'),
  fc.oneof(fc.constantFrom('&#x;', '&nope;', '&', ']]>', '&#1234567890123;'), fc.string({ maxLength: 4 })),
);
const attrValue = fc.array(
  rare(fc.constantFrom('v', ' ', '&amp;', '&x;', '&', "'", '>', '\t', '\r\n'), fc.constantFrom('"', '<')),
  { maxLength: 4 },
);
const attribute = fc
  .tuple(sp, name, sp, fc.constantFrom('"', "'"), attrValue, rare(fc.constant(true), fc.constant(false)))
  .map(([s, n, s2, q, v, spaced]) => `${spaced ? ' ' : ''}${s}${n}${s2}=${s2}${q}${v.join('')}${q}`);
const element: fc.Memo<string> = fc.memo((depth) =>
  fc
    .tuple(
      name,
      fc.array(attribute, { maxLength: 3 }),
      sp,
      fc.boolean(),
      fc.array(
        depth <= 1
          ? textChunk
          : fc.oneof(
              { arbitrary: textChunk, weight: 3 },
              { arbitrary: element(depth - 1), weight: 4 },
              rare(
                fc.constantFrom('<!-- c -->', '<![CDATA[ d ]]>', '<![CDATA[]]>'),
                fc.constantFrom('<?pi?>', '<!X>', '<'),
              ),
            ),
        { maxLength: 4 },
      ),
      rare(fc.constant(undefined), name),
    )
    .map(([n, attrs, s, empty, kids, closeAs]) =>
      empty
        ? `<${n}${attrs.join('')}${s}/>`
        : `<${n}${attrs.join('')}${s}>${kids.join('')}</${closeAs ?? n}${s}>`,
    ),
);
const documentArb = fc
  .tuple(
    rare(
      fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>\n'),
      fc.constantFrom('<?xml foo="1"?>', ' ', '<?xml version="1.0?>'),
    ),
    element(5),
    rare(fc.constantFrom('', '\n', '<!-- t -->'), fc.constantFrom('x', '<a/>', '<![CDATA[x]]>')),
  )
  .map(([d, e, t]) => `${d}${e}${t}`);

test('the fast path agrees with fast-xml-parser on generated documents (trees and errors)', () => {
  fc.assert(
    fc.property(documentArb, (xml) => sameAsReference(xml)),
    { numRuns: 3000 },
  );
});

test('the fast path agrees with fast-xml-parser on mutated golden envelopes', () => {
  const golden = fc.constantFrom(...goldenXml);
  const edit = fc.record({
    at: fc.nat(),
    del: fc.nat({ max: 3 }),
    ins: fc.constantFrom(
      '',
      '<',
      '>',
      '/',
      '"',
      "'",
      '=',
      '&',
      ';',
      ' ',
      '\r',
      '!',
      '?',
      '-',
      ':',
      'a',
      ']]>',
      '<!--',
    ),
  });
  fc.assert(
    fc.property(golden, fc.array(edit, { minLength: 1, maxLength: 4 }), (xml, edits) => {
      let s = xml;
      for (const e of edits) {
        const at = e.at % (s.length + 1);
        s = s.slice(0, at) + e.ins + s.slice(at + e.del);
      }
      sameAsReference(s);
    }),
    { numRuns: 3000 },
  );
});
