import { isAscii } from 'node:buffer';
import type { LegacyRawInvocation } from '../format.js';
import { type ListScan, newListScan, scanList } from './scan.js';
import { type ByteWindow, isWs, Located } from './window.js';

/** What the list reader hands each invocation to: it checks it and gives back the entry to yield. */
export interface InvocationSink<E> {
  /** `source` is the invocation's text when the fast path read it (for an exact re-parse if needed). */
  accept(raw: LegacyRawInvocation, offset: number, source: string | null): E;
  /** The ordinal the next invocation will get. */
  readonly next: number;
}

/**
 * The `invocations` list, after its `[`: its elements found by scanning the bytes, parsed in
 * batches (a window's worth at a time). Files in `json.dumps(indent=2)` layout take a fast path;
 * any other layout, non-ASCII text or broken JSON goes to the exact byte scanner, which also finds
 * and places errors.
 */
export async function* readInvocationList<E>(w: ByteWindow, sink: InvocationSink<E>): AsyncGenerator<E[]> {
  const scan = newListScan();
  let fast = true;
  for (;;) {
    let out: E[] = [];
    let i = w.pos;
    let more = false;
    if (fast && scan.depth === 0 && !scan.inString) {
      const step = fastElements(w, i, scan, sink, out);
      i = step.next;
      if (step.stop === 'layout') fast = false;
      more = step.stop === 'more';
    }
    if (more) {
      w.pos = i;
      if (out.length > 0) yield out;
      // At the end of the file, the exact scanner says what is wrong with what is left.
      if (!(await w.fill(i))) fast = false;
      continue;
    }
    if (!scan.closed) {
      i = scanList(w.buf, i, w.end, scan);
      if (scan.starts.length > 0) {
        const exact = parseBatch(w, scan, sink);
        out = out.length === 0 ? exact : out.concat(exact);
        scan.starts.length = 0;
        scan.ends.length = 0;
        scan.exacts.length = 0;
      }
    }
    w.pos = i;
    if (out.length > 0) yield out;
    if (scan.failAt >= 0) throw listError(w, scan, sink.next);
    if (scan.closed) return;
    const keep = scan.depth > 0 ? scan.elementStart : i;
    if (!(await w.fill(keep))) {
      throw new Located(
        `unexpected end of file inside the invocations list (invocation ${sink.next} is cut off: a torn write?)`,
        w.offset(w.end),
      );
    }
    if (scan.depth > 0) {
      scan.elementStart -= keep;
      scan.stringStart -= keep;
    }
  }
}

/**
 * The fast path over buf[from, end) when it is ASCII: each invocation of the indent=2 layout ends
 * with a newline, four spaces and `}`, so its end is found with a native search, and JSON.parse of
 * exactly that slice proves it (a slice that parses is one whole object). Stops at the end of the
 * window (`more`: read on from `next`), or where that does not hold, for the exact scanner to take
 * over at `next` (`exact`; `layout` when the layout itself is not indent=2).
 */
function fastElements<E>(
  w: ByteWindow,
  from: number,
  scan: ListScan,
  sink: InvocationSink<E>,
  out: E[],
): { next: number; stop: 'more' | 'exact' | 'layout' } {
  if (!isAscii(w.buf.subarray(from, w.end))) return { next: from, stop: 'exact' };
  const text = w.buf.toString('latin1', from, w.end);
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (i >= n) return { next: from + i, stop: 'more' };
    const c = text.charCodeAt(i);
    if (scan.afterElement) {
      if (c === 0x2c) {
        scan.afterElement = false;
        scan.sawComma = true;
        i++;
        continue;
      }
      if (c === 0x5d) {
        scan.closed = true;
        return { next: from + i + 1, stop: 'exact' };
      }
      return { next: from + i, stop: 'exact' };
    }
    if (c !== 0x7b) {
      if (c === 0x5d && !scan.sawComma) {
        scan.closed = true;
        return { next: from + i + 1, stop: 'exact' };
      }
      return { next: from + i, stop: 'exact' };
    }
    const close = text.indexOf('\n    }', i);
    if (close < 0) {
      // An invocation cut by the window's end, or (when this much has no end) another layout.
      return { next: from + i, stop: n - i < 65536 ? 'more' : 'layout' };
    }
    const slice = text.slice(i, close + 6);
    let value: unknown;
    try {
      value = JSON.parse(slice);
    } catch {
      return { next: from + i, stop: 'layout' };
    }
    out.push(sink.accept(value as LegacyRawInvocation, w.offset(from + i), slice));
    scan.afterElement = true;
    scan.sawComma = false;
    i = close + 6;
  }
}

/** The elements the exact scanner found, parsed together (and one by one, exactly, where needed). */
function parseBatch<E>(w: ByteWindow, scan: ListScan, sink: InvocationSink<E>): E[] {
  const { starts, ends, exacts } = scan;
  const buf = w.buf;
  const from = starts[0] as number;
  const to = ends[ends.length - 1] as number;
  w.checkUtf8(from, to);
  let values: unknown[];
  try {
    values = JSON.parse(`[${buf.toString('utf8', from, to)}]`) as unknown[];
  } catch {
    // Find the first bad invocation and the place in it.
    for (let k = 0; k < starts.length; k++) {
      w.parseAt(buf.toString('utf8', starts[k], ends[k]), w.offset(starts[k]));
    }
    throw new Located('is not valid JSON', w.offset(from));
  }
  const out: E[] = new Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const start = starts[k] as number;
    const raw = exacts[k] ? w.parseAt(buf.toString('utf8', start, ends[k]), w.offset(start)) : values[k];
    out[k] = sink.accept(raw as LegacyRawInvocation, w.offset(start), null);
  }
  return out;
}

function listError(w: ByteWindow, scan: ListScan, ordinal: number): Located {
  const i = scan.failAt;
  const c = w.buf[i] as number;
  const offset = w.offset(i);
  if (scan.afterElement) return new Located("expected ',' or ']' after an invocation", offset);
  if (c === 0x5d && scan.sawComma) return new Located("a trailing ',' before ']'", offset);
  if (c === 0x2c) return new Located("unexpected ','", offset);
  const value = c === 0x22 || c === 0x5b || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66;
  if (value || c === 0x6e) {
    return new Located(
      `must be an object, got ${c === 0x6e ? 'null' : 'another value'}`,
      offset,
      `invocations[${ordinal}]`,
    );
  }
  return new Located(
    `unexpected ${c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`} in the invocations list`,
    offset,
  );
}
