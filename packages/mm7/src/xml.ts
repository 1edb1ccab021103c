/**
 * XML layer of the MM7 codec: fast-xml-parser (order and prefixes kept) turned into a small element tree
 * with namespaces resolved by hand, and the reverse. Prefixes are kept during parsing because
 * `removeNSPrefix` drops the `xmlns` declarations and with them the MM7 schema release.
 *
 * Parsing first tries a small scanner for the plain documents SOAP peers send (elements, attributes,
 * text with the XML entities, comments, CDATA, a leading declaration). It builds exactly the tree
 * fast-xml-parser builds for them, about six times faster (the SOAP parse was the MM7 endpoint's largest
 * CPU cost). Anything else — a syntax error, a processing instruction, an unusual name or reference —
 * goes to fast-xml-parser with its validator, which decides and words the error as before.
 */
import { Errors } from '@hub/errors';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** One XML element. Names are kept as written; `local` and `namespace` are what the codec matches on. */
export interface XmlElement {
  /** Qualified name as written, e.g. `mm7:SubmitReq`. */
  readonly name: string;
  /** Local name, e.g. `SubmitReq`. */
  readonly local: string;
  /** Resolved namespace URI (whitespace removed), `undefined` when none is in scope. */
  readonly namespace: string | undefined;
  /** Attributes by qualified name as written, including `xmlns` declarations. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Text content (trimmed text nodes joined), `''` when none. */
  readonly text: string;
}

/** Guards for {@link parseXml}. */
export interface XmlLimits {
  /** Largest XML document in characters (default 1 MiB). */
  readonly maxChars?: number;
  /** Deepest element nesting (default 64). */
  readonly maxDepth?: number;
}

type OrderedNode = Record<string, unknown>;

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    if (e.charCodeAt(0) !== 0x23) return XML_ENTITIES[e] ?? m;
    const cp = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
  });
}

// The five XML entities and character references only: SOAP forbids DTDs, so no declared entities.
const entityDecoder = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeEntities,
};

const MAX_NESTED_TAGS = 128;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  entityDecoder,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_NESTED_TAGS,
});

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  processEntities: true,
});

const QNAME = /^[^:\s]+(:[^:\s]+)?$/;

/**
 * Parses an XML document into its root element. A plain document is read by the fast path; anything it
 * declines is validated first so malformed input gets the validator's precise reason (`details.reason`,
 * `line`, `col`).
 *
 * @throws HubError `HUB_ERR_MM7_XML_INVALID` (MM7 4004) for anything that is not one well-formed
 *   element tree: syntax errors, a DOCTYPE (forbidden in SOAP), a malformed qualified name, no root,
 *   too deep or too large.
 */
export function parseXml(xml: string, limits?: XmlLimits): XmlElement {
  const maxDepth = checkDocument(xml, limits);
  const quick = quickParse(xml, Math.min(maxDepth, MAX_NESTED_TAGS));
  if (quick !== undefined) return toElement(quick, {}, 1, maxDepth);
  return fromFastXmlParser(xml, maxDepth);
}

/**
 * {@link parseXml} without the fast path (fast-xml-parser's validator and parser only): what parseXml
 * falls back to, exported for the test that holds the fast path to the same trees and errors.
 */
export function parseXmlReference(xml: string, limits?: XmlLimits): XmlElement {
  return fromFastXmlParser(xml, checkDocument(xml, limits));
}

/** Size and DOCTYPE checks shared by both paths; returns the depth limit. */
function checkDocument(xml: string, limits: XmlLimits | undefined): number {
  const maxChars = limits?.maxChars ?? 1024 * 1024;
  if (xml.length > maxChars) {
    throw new Errors.HUB_ERR_MM7_XML_INVALID(`document of ${xml.length} characters exceeds ${maxChars}`, {
      details: { reason: 'too large', max: maxChars },
    });
  }
  if (/<!DOCTYPE/i.test(xml)) {
    throw new Errors.HUB_ERR_MM7_XML_INVALID('a SOAP message must not contain a DOCTYPE', {
      details: { reason: 'DOCTYPE not allowed' },
    });
  }
  return limits?.maxDepth ?? 64;
}

function fromFastXmlParser(xml: string, maxDepth: number): XmlElement {
  let v: ReturnType<typeof XMLValidator.validate>;
  try {
    v = XMLValidator.validate(xml);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Errors.HUB_ERR_MM7_XML_INVALID(reason, { cause, details: { reason } });
  }
  if (v !== true) {
    const { code, msg, line, col } = v.err;
    throw new Errors.HUB_ERR_MM7_XML_INVALID(`${msg} (line ${line}, col ${col})`, {
      details: { reason: msg, code, line, col },
    });
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(xml);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Errors.HUB_ERR_MM7_XML_INVALID(reason, { cause, details: { reason } });
  }
  const roots = Array.isArray(nodes) ? nodes.filter((n) => tagOf(n as OrderedNode) !== undefined) : [];
  if (roots.length !== 1) {
    throw new Errors.HUB_ERR_MM7_XML_INVALID(`expected one root element, found ${roots.length}`, {
      details: { reason: 'no single root element' },
    });
  }
  return toElement(roots[0] as OrderedNode, {}, 1, maxDepth);
}

// ---------------------------------------------------------------------------------------------------------
// Fast path: a strict scanner for plain documents, producing fast-xml-parser's `preserveOrder` shape
// (`{ [name]: children, ':@'?: attributes }`, text as `{ '#text': … }`) so `toElement` serves both paths.
// It accepts a subset of what the validator accepts and declines (returns undefined) on anything else,
// so errors and odd documents keep fast-xml-parser's exact behaviour. What it mirrors:
// - CR LF and lone CR read as LF (the parser normalises line ends first);
// - text is collected per element between tags, a comment does not split it; each collected run is
//   trimmed, then entity-decoded, and dropped when empty; CDATA is kept verbatim (not trimmed), even empty;
// - attribute values are trimmed, then entity-decoded (any `&` form: the validator does not check them);
// - declines: `<?` other than a leading `<?xml …?>`, `<!` other than comments and CDATA, text or CDATA
//   outside the root, names outside ASCII or that fast-xml-parser renames or refuses (`__proto__`,
//   `toString`, …), malformed qualified names, duplicate attributes, `<` in an attribute value, a `&` in
//   text that is not one of the five entities or a character reference, nesting beyond the limit.

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isNameStart = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
const isNameChar = (c: number): boolean =>
  isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;

// Names fast-xml-parser refuses or renames (prototype pollution guards): left to it.
const GUARDED_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const XML_DECLARATION =
  /^<\?xml(?:\s+(?:version|encoding|standalone)\s*=\s*(?:"[^"<>?]*"|'[^'<>?]*'))*\s*\?>/;
const TEXT_REFERENCE = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

/** End of the name starting at `i` (ASCII name characters), or `i` when none starts there. */
function nameEnd(xml: string, i: number): number {
  if (i >= xml.length || !isNameStart(xml.charCodeAt(i))) return i;
  let j = i + 1;
  while (j < xml.length && isNameChar(xml.charCodeAt(j))) j++;
  return j;
}

/** True when every `&` in `text` starts one of the five entities or a character reference. */
function referencesOk(text: string): boolean {
  for (let a = text.indexOf('&'); a !== -1; a = text.indexOf('&', a + 1)) {
    if (!TEXT_REFERENCE.test(text.slice(a, a + 12))) return false;
  }
  return true;
}

/** The root node of a plain document, or `undefined` to let fast-xml-parser decide. */
function quickParse(input: string, maxDepth: number): OrderedNode | undefined {
  const xml = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const n = xml.length;
  let i = 0;
  if (xml.startsWith('<?')) {
    const decl = XML_DECLARATION.exec(xml.slice(0, 256));
    if (decl === null) return undefined;
    i = decl[0].length;
  }
  const stack: OrderedNode[][] = [];
  const names: string[] = [];
  let root: OrderedNode | undefined;
  let text = '';
  const flush = (into: OrderedNode[]): void => {
    if (text.length === 0) return;
    const t = text.trim();
    text = '';
    if (t.length > 0) into.push({ '#text': decodeEntities(t) });
  };
  while (i < n) {
    if (xml.charCodeAt(i) !== LT) {
      let j = xml.indexOf('<', i);
      if (j === -1) j = n;
      if (stack.length === 0) {
        for (let k = i; k < j; k++) if (!isWs(xml.charCodeAt(k))) return undefined;
      } else {
        const piece = xml.slice(i, j);
        if (piece.includes('&') && !referencesOk(piece)) return undefined;
        text += piece;
      }
      i = j;
      continue;
    }
    const c1 = xml.charCodeAt(i + 1);
    if (c1 === 0x21 /* ! */) {
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i + 4);
        if (end === -1) return undefined;
        i = end + 3;
        continue;
      }
      const top = stack[stack.length - 1];
      if (top === undefined || !xml.startsWith('<![CDATA[', i)) return undefined;
      const end = xml.indexOf(']]>', i + 9);
      if (end === -1) return undefined;
      flush(top);
      top.push({ '#text': xml.slice(i + 9, end) });
      i = end + 3;
      continue;
    }
    if (c1 === SLASH) {
      const e = nameEnd(xml, i + 2);
      const name = xml.slice(i + 2, e);
      let j = e;
      while (j < n && isWs(xml.charCodeAt(j))) j++;
      const top = stack.pop();
      if (top === undefined || xml.charCodeAt(j) !== GT || names.pop() !== name) return undefined;
      flush(top);
      i = j + 1;
      continue;
    }
    // An opening tag.
    if (root !== undefined && stack.length === 0) return undefined; // a second root
    const e = nameEnd(xml, i + 1);
    const name = xml.slice(i + 1, e);
    if (e === i + 1 || !QNAME.test(name) || GUARDED_NAMES.has(name)) return undefined;
    let attrs: Record<string, string> | undefined;
    let j = e;
    let selfClosing = false;
    for (;;) {
      const ws = j;
      while (j < n && isWs(xml.charCodeAt(j))) j++;
      const c = xml.charCodeAt(j);
      if (c === GT) break;
      if (c === SLASH && xml.charCodeAt(j + 1) === GT) {
        selfClosing = true;
        j++;
        break;
      }
      const ae = nameEnd(xml, j);
      if (j === ws || ae === j) return undefined;
      const attr = xml.slice(j, ae);
      j = ae;
      while (j < n && isWs(xml.charCodeAt(j))) j++;
      if (xml.charCodeAt(j) !== EQ) return undefined;
      j++;
      while (j < n && isWs(xml.charCodeAt(j))) j++;
      const q = xml[j];
      if (q !== '"' && q !== "'") return undefined;
      const close = xml.indexOf(q, j + 1);
      if (close === -1) return undefined;
      const value = xml.slice(j + 1, close);
      if (value.includes('<') || GUARDED_NAMES.has(attr)) return undefined;
      attrs ??= {};
      if (Object.hasOwn(attrs, attr)) return undefined;
      attrs[attr] = decodeEntities(value.trim());
      j = close + 1;
    }
    if (j >= n) return undefined;
    const children: OrderedNode[] = [];
    const node: OrderedNode = attrs === undefined ? { [name]: children } : { [name]: children, ':@': attrs };
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = node;
    else {
      flush(parent);
      parent.push(node);
    }
    if (!selfClosing) {
      if (stack.length + 1 > maxDepth) return undefined;
      stack.push(children);
      names.push(name);
    }
    i = j + 1;
  }
  return stack.length === 0 ? root : undefined;
}

function tagOf(node: OrderedNode): string | undefined {
  for (const k in node) {
    if (k !== ':@' && k !== '#text' && !k.startsWith('?')) return k;
  }
  return undefined;
}

function toElement(
  node: OrderedNode,
  scope: Readonly<Record<string, string>>,
  depth: number,
  maxDepth: number,
): XmlElement {
  if (depth > maxDepth) {
    throw new Errors.HUB_ERR_MM7_XML_INVALID(`elements nested deeper than ${maxDepth}`, {
      details: { reason: 'too deep', max: maxDepth },
    });
  }
  const name = tagOf(node) as string;
  if (!QNAME.test(name)) {
    throw new Errors.HUB_ERR_MM7_XML_INVALID(`invalid qualified name "${name}"`, {
      details: { reason: 'invalid qualified name', name },
    });
  }
  const attributes = (node[':@'] as Record<string, string> | undefined) ?? {};
  let inner = scope;
  for (const key in attributes) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (inner === scope) inner = { ...scope };
      // Line breaks and indentation inside a namespace URI occur in real traffic (notes §8).
      (inner as Record<string, string>)[key === 'xmlns' ? '' : key.slice(6)] = String(
        attributes[key],
      ).replace(/\s+/g, '');
    }
  }
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const local = colon < 0 ? name : name.slice(colon + 1);
  const children: XmlElement[] = [];
  let text = '';
  const content = node[name];
  if (Array.isArray(content)) {
    for (const c of content as OrderedNode[]) {
      if (Object.hasOwn(c, '#text')) {
        const t = String(c['#text']);
        text = text.length === 0 ? t : `${text}${t}`;
      } else if (tagOf(c) !== undefined) {
        children.push(toElement(c, inner, depth + 1, maxDepth));
      }
    }
  }
  const ns = inner[prefix];
  return {
    name,
    local,
    namespace: ns === undefined || ns.length === 0 ? undefined : ns,
    attributes,
    children,
    text,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Navigation helpers (by local name, any prefix or namespace)

/** First child with this local name. */
export function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  if (el === undefined) return undefined;
  for (const c of el.children) if (c.local === local) return c;
  return undefined;
}

/** All children with this local name, in document order. */
export function childrenNamed(el: XmlElement | undefined, local: string): XmlElement[] {
  return el === undefined ? [] : el.children.filter((c) => c.local === local);
}

/** Attribute value by local name (`href` matches `href` and `mm7:href`), trimmed; `xmlns` declarations never match. */
export function attr(el: XmlElement, local: string): string | undefined {
  const direct = el.attributes[local];
  if (direct !== undefined) return String(direct).trim();
  for (const k in el.attributes) {
    const colon = k.indexOf(':');
    if (colon > 0 && k.slice(colon + 1) === local && !k.startsWith('xmlns:'))
      return String(el.attributes[k]).trim();
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Building

/** A tree to serialize: name as it should be written (prefix included), attributes, children or text. */
export interface XmlNode {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string | undefined>>;
  readonly children?: readonly (XmlNode | undefined)[];
  readonly text?: string;
}

// XML 1.0 forbids most C0 controls even as references; drop them so output always parses.
const INVALID_XML_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;

function clean(s: string): string {
  return s.replace(INVALID_XML_CHARS, '');
}

function toOrdered(n: XmlNode | XmlElement): OrderedNode {
  const kids: OrderedNode[] = [];
  const text = n.text;
  if (text !== undefined && text.length > 0) kids.push({ '#text': clean(text) });
  for (const c of n.children ?? []) if (c !== undefined) kids.push(toOrdered(c));
  const out: OrderedNode = { [n.name]: kids };
  const attrs: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(n.attributes ?? {})) {
    if (v !== undefined) {
      attrs[k] = clean(String(v));
      any = true;
    }
  }
  if (any) out[':@'] = attrs;
  return out;
}

/**
 * Serializes a tree (or a decoded {@link XmlElement}, e.g. a kept extension) to XML text with an XML
 * declaration. All text and attribute values are escaped; characters XML 1.0 cannot carry are dropped.
 */
export function serializeXml(root: XmlNode | XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build([toOrdered(root)]) as string}`;
}

/**
 * Converts a decoded element back into a buildable node (verbatim names and attributes). Namespace
 * declarations the element relied on from its old ancestors are added, so a kept extension stays in its
 * namespace wherever it is re-emitted.
 */
export function elementToNode(el: XmlElement, scope?: Readonly<Record<string, string>>): XmlNode {
  const colon = el.name.indexOf(':');
  const prefix = colon < 0 ? '' : el.name.slice(0, colon);
  let attributes = el.attributes;
  let inner: Record<string, string> = { ...scope };
  for (const k in el.attributes) {
    if (k === 'xmlns' || k.startsWith('xmlns:'))
      inner[k === 'xmlns' ? '' : k.slice(6)] = String(el.attributes[k]).replace(/\s+/g, '');
  }
  if (el.namespace !== undefined && inner[prefix] !== el.namespace) {
    attributes = { ...attributes, [prefix === '' ? 'xmlns' : `xmlns:${prefix}`]: el.namespace };
    inner = { ...inner, [prefix]: el.namespace };
  }
  return {
    name: el.name,
    attributes,
    text: el.text,
    children: el.children.map((c) => elementToNode(c, inner)),
  };
}
