// A small XML element reader, enough for QuickFIX data dictionaries: elements, attributes, comments,
// processing instructions. Text content is ignored. Malformed input throws with a line number.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  line: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const NAME = /[A-Za-z_][\w.-]*/y;
const ATTR = /\s*([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Parse a whole document; returns its root element. */
export function parseXml(text: string, source = 'XML'): XmlElement {
  const fail = (pos: number, what: string): never => {
    throw new Error(`${source}: line ${lineOf(text, pos)}: ${what}`);
  };
  // Element start positions only grow: count newlines incrementally (lineOf per element was quadratic).
  let linePos = 0;
  let lineNo = 1;
  const lineAt = (pos: number): number => {
    for (; linePos < pos; linePos++) if (text.charCodeAt(linePos) === 10) lineNo++;
    return lineNo;
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) {
      if (text.slice(pos).trim() !== '' && stack.length === 0) fail(pos, 'text outside the root element');
      break;
    }
    if (stack.length === 0 && text.slice(pos, lt).trim() !== '') fail(pos, 'text outside the root element');
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4);
      if (close < 0) fail(lt, 'unterminated comment');
      pos = close + 3;
      continue;
    }
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const close = text.indexOf('>', lt);
      if (close < 0) fail(lt, 'unterminated declaration');
      pos = close + 1;
      continue;
    }
    if (text.startsWith('</', lt)) {
      NAME.lastIndex = lt + 2;
      const m = NAME.exec(text);
      if (!m) fail(lt, 'bad closing tag');
      const close = text.indexOf('>', lt);
      if (close < 0) fail(lt, 'unterminated closing tag');
      const open = stack.pop();
      if (!open) fail(lt, `closing tag </${m![0]}> without an opening tag`);
      if (open!.name !== m![0]) fail(lt, `closing tag </${m![0]}> does not match <${open!.name}> from line ${open!.line}`);
      pos = close + 1;
      continue;
    }
    NAME.lastIndex = lt + 1;
    const m = NAME.exec(text);
    if (!m) fail(lt, 'bad element name');
    const element: XmlElement = { name: m![0], attrs: {}, children: [], line: lineAt(lt) };
    let p = NAME.lastIndex;
    for (;;) {
      ATTR.lastIndex = p;
      const a = ATTR.exec(text);
      if (!a) break;
      element.attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
      p = ATTR.lastIndex;
    }
    while (p < text.length && /\s/.test(text[p]!)) p++;
    let selfClosing = false;
    if (text.startsWith('/>', p)) {
      selfClosing = true;
      p += 2;
    } else if (text[p] === '>') {
      p += 1;
    } else {
      fail(p, `malformed tag <${element.name}>`);
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else if (root) fail(lt, 'more than one root element');
    else root = element;
    if (!selfClosing) stack.push(element);
    pos = p;
  }
  if (stack.length > 0) fail(text.length, `<${stack[stack.length - 1]!.name}> from line ${stack[stack.length - 1]!.line} is not closed`);
  if (!root) fail(0, 'no root element');
  return root!;
}
