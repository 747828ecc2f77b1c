// Parses the config text (YAML 1.2, which also reads JSON) while keeping the document, so every
// later problem can be pointed at a line: lineOf() finds the line of a key path, or of its closest
// existing parent.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ConfigIssue, KeyPath } from './issues.js';

export interface ParsedSource {
  value: unknown;
  /** 1-based line of a key (the key itself for mappings) or its nearest existing parent. */
  lineOf(path: KeyPath): number | undefined;
  issues: ConfigIssue[];
}

/**
 * Largest config accepted. A config with a thousand tenants is a few hundred KiB; anything far
 * bigger is a mistake (or an attack on the parser), refused before parsing.
 */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Alias expansions allowed when building the value (the `yaml` package's guard against alias bombs). */
export const MAX_ALIAS_COUNT = 100;

export function parseSource(text: string): ParsedSource {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    // The line where the limit is crossed, so that a runaway generated file can be looked at.
    const head = Buffer.from(text).subarray(0, MAX_CONFIG_BYTES).toString('utf8');
    const line = head.split('\n').length;
    return {
      value: undefined,
      lineOf: () => undefined,
      issues: [{ path: '', message: `the config is larger than ${MAX_CONFIG_BYTES} bytes (the limit is crossed on this line); is this the right file?`, line }],
    };
  }
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
  let value: unknown;
  if (issues.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // The only way toJS fails on a document that parsed: too many alias expansions (an alias bomb).
      issues.push({
        path: '',
        message: `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}; an "alias bomb"?): ${(err as Error).message}`,
        line: line(firstNestedAlias(doc)),
      });
    }
  }
  return { value, lineOf: (path) => lineOfPath(doc, path, line), issues };
}

/** Offset of the first alias to an anchored node that holds aliases itself (where expansion multiplies), else of the first alias. */
function firstNestedAlias(doc: Document): number | undefined {
  let first: number | undefined;
  let nested: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      const at = node.range?.[0];
      first ??= at;
      const target = node.resolve(doc);
      let holdsAlias = false;
      if (target !== undefined && !isAlias(target)) {
        visit(target, {
          Alias() {
            holdsAlias = true;
            return visit.BREAK;
          },
        });
      }
      if (holdsAlias) {
        nested = at;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return nested ?? first;
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
