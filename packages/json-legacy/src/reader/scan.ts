import { isWs } from './window.js';

/** Where the scan of the `invocations` list is, carried from one read window to the next. */
export interface ListScan {
  depth: number;
  inString: boolean;
  /** A backslash ended the last window: the first byte of the next one is escaped. */
  escaped: boolean;
  /** The element holds a number or key that JSON.parse would not keep as Python wrote it. */
  exact: boolean;
  afterElement: boolean;
  sawComma: boolean;
  elementStart: number;
  stringStart: number;
  closed: boolean;
  failAt: number;
  starts: number[];
  ends: number[];
  exacts: boolean[];
}

export function newListScan(): ListScan {
  return {
    depth: 0,
    inString: false,
    escaped: false,
    exact: false,
    afterElement: false,
    sawComma: false,
    elementStart: -1,
    stringStart: -1,
    closed: false,
    failAt: -1,
    starts: [],
    ends: [],
    exacts: [],
  };
}

/**
 * Scans buf[i, end) of the `invocations` list for the bounds of its elements (tracking strings,
 * escapes and nesting), noting those JSON.parse would not read exactly as written. Returns where it
 * stopped: `end`, just after the list's `]` (`closed`), or at a byte that cannot be there (`failAt`).
 * A plain function, not a method of the async generator, so that it compiles to a tight loop.
 */
export function scanList(buf: Uint8Array, i: number, end: number, s: ListScan): number {
  let depth = s.depth;
  let exact = s.exact;
  let elementStart = s.elementStart;
  let stringStart = s.stringStart;
  let inString = s.inString;
  if (s.escaped && i < end) {
    s.escaped = false;
    i++;
  }
  while (i < end) {
    if (inString) {
      let c = 0;
      while (i < end) {
        c = buf[i] as number;
        if (c === 0x22) break;
        i += c === 0x5c ? 2 : 1;
      }
      if (i >= end) {
        if (i > end) {
          s.escaped = true;
          i = end;
        }
        break;
      }
      inString = false;
      // A key that looks like an array index: JavaScript objects would reorder it.
      const f = buf[stringStart + 1] as number;
      if (f >= 0x30 && f <= 0x39) {
        let j = i + 1;
        while (j < end && isWs(buf[j])) j++;
        if (j >= end || buf[j] === 0x3a) exact = true;
      }
      i++;
      continue;
    }
    const c = buf[i] as number;
    if (depth === 0) {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
      } else if (c === 0x7b && !s.afterElement) {
        depth = 1;
        elementStart = i;
        exact = false;
        s.sawComma = false;
        i++;
      } else if (c === 0x2c && s.afterElement) {
        s.afterElement = false;
        s.sawComma = true;
        i++;
      } else if (c === 0x5d && !s.sawComma) {
        s.closed = true;
        i++;
        break;
      } else {
        s.failAt = i;
        break;
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
      i++;
    } else if (c === 0x20 || c === 0x0a) {
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      i++;
      if (--depth === 0) {
        s.starts.push(elementStart);
        s.ends.push(i);
        s.exacts.push(exact);
        s.afterElement = true;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // A number: integral floats (`5.0`), exponents and long integers need the exact parser.
      let j = i + 1;
      let dot = -1;
      let exponent = false;
      for (; j < end; j++) {
        const d = buf[j] as number;
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e) dot = j;
        else if (d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) exponent = true;
        else break;
      }
      if (j >= end || exponent) exact = true;
      else if (dot >= 0) {
        let k = dot + 1;
        while (k < j && buf[k] === 0x30) k++;
        if (k === j) exact = true;
      } else if (j - i > 15) exact = true;
      i = j;
    } else {
      // Literals, ':' and ',' inside an element: JSON.parse checks them.
      i++;
    }
  }
  s.depth = depth;
  s.exact = exact;
  s.elementStart = elementStart;
  s.stringStart = stringStart;
  s.inString = inString;
  return i;
}
