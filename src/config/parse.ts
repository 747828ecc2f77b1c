// Parses the config text (YAML 1.2, which also reads JSON) while keeping the document, so every
// later problem can be pointed at a line: lineOf() finds the line of a key path, or of its closest
// existing parent.

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue, KeyPath } from './issues.js';

export interface ParsedSource {
  value: unknown;
  /** 1-based line of a key (the key itself for mappings) or its nearest existing parent. */
  lineOf(path: KeyPath): number | undefined;
  issues: ConfigIssue[];
}

export function parseSource(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key is an error, not a silent override.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const line = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const issues: ConfigIssue[] = [];
  for (const e of doc.errors) {
    // The parser's message may quote the offending text; keep only its first sentence-like line and
    // let the caller scrub it (a secret on a malformed line must not be echoed).
    issues.push({ path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`, line: line(e.pos[0]) });
  }
  return {
    value: issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }),
    lineOf: (path) => lineOfPath(doc, path, line),
    issues,
  };
}

function lineOfPath(doc: Document, path: KeyPath, line: (o: number | undefined) => number | undefined): number | undefined {
  let node: unknown = doc.contents;
  let best = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) break;
      best = rangeStart(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = rangeStart(item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return line(best);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return Array.isArray(r) ? r[0] : undefined;
}
