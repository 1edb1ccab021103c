/**
 * XML layer of the MM7 codec: fast-xml-parser (order and prefixes kept) turned into a small element tree
 * with namespaces resolved by hand, and the reverse. Prefixes are kept during parsing because
 * `removeNSPrefix` drops the `xmlns` declarations and with them the MM7 schema release.
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
  maxNestedTags: 128,
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
 * Parses an XML document into its root element. Validation runs first so malformed input gets the
 * validator's precise reason (`details.reason`, `line`, `col`).
 *
 * @throws HubError `HUB_ERR_MM7_XML_INVALID` (MM7 4004) for anything that is not one well-formed
 *   element tree: syntax errors, a DOCTYPE (forbidden in SOAP), a malformed qualified name, no root,
 *   too deep or too large.
 */
export function parseXml(xml: string, limits?: XmlLimits): XmlElement {
  const maxChars = limits?.maxChars ?? 1024 * 1024;
  const maxDepth = limits?.maxDepth ?? 64;
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
