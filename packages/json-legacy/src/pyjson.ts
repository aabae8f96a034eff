/**
 * JSON as Python's `json` module reads and writes it. The legacy file is `json.dumps(data, indent=2)`;
 * rewriting it byte-for-byte the same needs three things `JSON.parse`/`JSON.stringify` lose:
 * whether a number was a float (`1.0` is not `1` to Python), the order of keys that look like
 * array indexes (JavaScript moves `"2"` before `"a"`), and the digits of integers beyond 2^53.
 * Values parsed here carry that in side tables keyed by the object that holds them, so the values
 * themselves stay plain JSON.
 */

/** Keys of an object (or indexes of an array, as strings) whose integral number was written as a float. */
const floatKeys = new WeakMap<object, Set<string>>();
/** Key order of an object with array-index-like keys, which JavaScript would reorder. */
const keyOrders = new WeakMap<object, string[]>();
/** Exact digits of integers beyond 2^53, by key, with the number they were read as. */
const bigIntegers = new WeakMap<object, Map<string, { text: string; value: number }>>();

/** A syntax error at `index` (a UTF-16 offset into the text parsed). */
export class JsonSyntaxError extends Error {
  readonly index: number;
  constructor(index: number, problem: string) {
    super(problem);
    this.index = index;
  }
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** `true` for a key JavaScript orders before the others (an array index). */
export function isIndexKey(key: string): boolean {
  return INDEX_KEY.test(key) && Number(key) < 4294967295;
}

/** Sets `obj[key]` as an own data property (a `__proto__` key is a key like any other). */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (Object.hasOwn(obj, key)) {
    obj[key] = value;
    return;
  }
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  const order = keyOrders.get(obj);
  if (order) order.push(key);
  else if (isIndexKey(key)) keyOrders.set(obj, [...Object.keys(obj).filter((k) => k !== key), key]);
}

/** Own keys in the order Python would write them. */
export function keysOf(obj: object): string[] {
  const keys = Object.keys(obj);
  const order = keyOrders.get(obj);
  if (!order) return keys;
  const live = new Set(keys);
  const out = order.filter((k) => live.delete(k));
  for (const k of live) out.push(k);
  return out;
}

/** Marks `obj[key]` as a Python float, so an integral value is written `5.0`. */
export function markFloat(obj: object, key: string): void {
  let keys = floatKeys.get(obj);
  if (!keys) {
    keys = new Set();
    floatKeys.set(obj, keys);
  }
  keys.add(key);
}

function isMarkedFloat(obj: object, key: string): boolean {
  return floatKeys.get(obj)?.has(key) ?? false;
}

/** A deep copy that keeps the Python-side facts (floats, key order, big integers). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = value.map((v) => cloneJson(v));
    copyFacts(value, out);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of keysOf(value)) defineKey(out, k, cloneJson((value as Record<string, unknown>)[k]));
  copyFacts(value, out);
  return out as T;
}

function copyFacts(from: object, to: object): void {
  const f = floatKeys.get(from);
  if (f) floatKeys.set(to, new Set(f));
  const b = bigIntegers.get(from);
  if (b) bigIntegers.set(to, new Map(b));
}

/**
 * Parses JSON text strictly (what `JSON.parse` accepts, nothing more), recording the facts above.
 * Throws `JsonSyntaxError` with the offset of the first error.
 */
export function parseJson(text: string, start = 0, end = text.length): unknown {
  const p = new Parser(text, start, end);
  p.ws();
  const value = p.value();
  p.ws();
  if (p.i < end) p.fail(`unexpected ${p.describeHere()} after the JSON value`);
  return value;
}

class Parser {
  i: number;
  constructor(
    readonly text: string,
    start: number,
    readonly end: number,
  ) {
    this.i = start;
  }

  fail(problem: string, at = this.i): never {
    throw new JsonSyntaxError(at, problem);
  }

  describeHere(): string {
    if (this.i >= this.end) return 'end of data';
    const c = this.text.charCodeAt(this.i);
    return c < 0x20 || c > 0x7e ? `character U+${c.toString(16).padStart(4, '0')}` : `character '${this.text[this.i]}'`;
  }

  ws(): void {
    const t = this.text;
    while (this.i < this.end) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(holder?: object, key?: string): unknown {
    if (this.i >= this.end) this.fail('unexpected end of data, expected a value');
    const c = this.text.charCodeAt(this.i);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(holder, key);
    if (this.text.startsWith('true', this.i)) {
      this.i += 4;
      return true;
    }
    if (this.text.startsWith('false', this.i)) {
      this.i += 5;
      return false;
    }
    if (this.text.startsWith('null', this.i)) {
      this.i += 4;
      return null;
    }
    return this.fail(`unexpected ${this.describeHere()}, expected a value`);
  }

  object(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.text.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return obj;
    }
    for (;;) {
      if (this.text.charCodeAt(this.i) !== 0x22) this.fail(`unexpected ${this.describeHere()}, expected a key`);
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.i) !== 0x3a) this.fail(`unexpected ${this.describeHere()}, expected ':'`);
      this.i++;
      this.ws();
      defineKey(obj, key, this.value(obj, key));
      this.ws();
      const c = this.text.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.ws();
      } else if (c === 0x7d) {
        this.i++;
        return obj;
      } else {
        this.fail(`unexpected ${this.describeHere()}, expected ',' or '}'`);
      }
    }
  }

  array(): unknown[] {
    const arr: unknown[] = [];
    this.i++;
    this.ws();
    if (this.text.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(arr, String(arr.length)));
      this.ws();
      const c = this.text.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.ws();
      } else if (c === 0x5d) {
        this.i++;
        return arr;
      } else {
        this.fail(`unexpected ${this.describeHere()}, expected ',' or ']'`);
      }
    }
  }

  string(): string {
    const t = this.text;
    const start = this.i;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= this.end) this.fail('unterminated string', start);
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`control character U+${c.toString(16).padStart(4, '0')} in a string`, i);
      if (c === 0x5c) {
        escaped = true;
        const e = t.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6)) || i + 6 > this.end) this.fail('bad \\u escape', i);
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== 0x22 &&
          e !== 0x5c &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          this.fail('bad escape in a string', i);
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.i = i + 1;
    return escaped ? (JSON.parse(t.slice(start, i + 1)) as string) : t.slice(start + 1, i);
  }

  number(holder?: object, key?: string): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m || this.i + m[0].length > this.end) return this.fail(`unexpected ${this.describeHere()}, expected a number`);
    const token = m[0];
    this.i += token.length;
    const value = Number(token);
    if (holder && key !== undefined) {
      if (/[.eE]/.test(token)) {
        if (Number.isInteger(value)) markFloat(holder, key);
      } else if (!Number.isSafeInteger(value)) {
        let big = bigIntegers.get(holder);
        if (!big) {
          big = new Map();
          bigIntegers.set(holder, big);
        }
        big.set(key, { text: token, value });
      }
    }
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NEEDS_U_ESCAPE = /[\u007f-\uffff]/g;

/** A string as Python's `json.dumps` writes it (ASCII only: `\uXXXX` in lowercase hex, surrogate pairs). */
export function pyString(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  // JSON.stringify already writes \" \\ \b \f \n \r \t and \u00XX for other controls and lone surrogates, as Python does.
  return JSON.stringify(s).replace(NEEDS_U_ESCAPE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A float as Python's `repr` writes it: `0.0`, `2.5`, `1e-05`, `1e+16`. */
export function pyFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  const abs = x < 0 ? -x : x;
  if (abs >= 1e-4 && abs < 1e16) {
    // Both languages write the same shortest digits positionally here; Python marks integral floats `.0`.
    const text = String(x);
    return Number.isInteger(x) ? `${text}.0` : text;
  }
  // toExponential() gives the shortest digits that read back as x, as Python's repr does.
  const [mantissa = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${whole}.${fraction || '0'}`;
  }
  const rest = digits.slice(1);
  const e = Math.abs(exponent);
  return `${sign}${digits[0]}${rest ? `.${rest}` : ''}e${exponent < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

/** A number Python read as an int (or as a float where the JSON text had `.` or an exponent). */
export function pyNumber(x: number, asFloat: boolean): string {
  if (asFloat || !Number.isInteger(x)) return pyFloat(x);
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

const INDENT: string[] = [];
function indent(level: number): string {
  let s = INDENT[level];
  if (s === undefined) {
    s = `\n${'  '.repeat(level)}`;
    INDENT[level] = s;
  }
  return s;
}

/**
 * Appends `value` as `json.dumps(value, indent=2)` writes it at nesting `level`. `float` marks a
 * number Python holds as a float whatever its value (the format's float fields).
 */
export function writePy(out: TextSink, value: unknown, level: number, float = false): void {
  if (value === null || value === undefined) out.push('null');
  else if (value === true) out.push('true');
  else if (value === false) out.push('false');
  else if (typeof value === 'string') out.push(pyString(value));
  else if (typeof value === 'number') out.push(pyNumber(value, float));
  else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    const inner = indent(level + 1);
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      out.push(i === 0 ? inner : `,${inner}`);
      writeMember(out, value, String(i), value[i], level + 1, false);
    }
    out.push(`${indent(level)}]`);
  } else if (typeof value === 'object') {
    writePyObject(out, value as Record<string, unknown>, level);
  } else {
    throw new TypeError(`cannot write ${typeof value} as JSON`);
  }
}

/** Appends an object; `floats` names keys whose numbers are Python floats whatever their value. */
export function writePyObject(
  out: TextSink,
  obj: Record<string, unknown>,
  level: number,
  floats?: ReadonlySet<string>,
): void {
  const keys = keysOf(obj);
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  const inner = indent(level + 1);
  out.push('{');
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out.push(i === 0 ? inner : `,${inner}`);
    out.push(pyString(k));
    out.push(': ');
    writeMember(out, obj, k, obj[k], level + 1, floats?.has(k) ?? false);
  }
  out.push(`${indent(level)}}`);
}

function writeMember(out: TextSink, holder: object, key: string, value: unknown, level: number, float: boolean) {
  if (typeof value === 'number') {
    const big = bigIntegers.get(holder)?.get(key);
    if (big && big.value === value) out.push(big.text);
    else out.push(pyNumber(value, float || isMarkedFloat(holder, key)));
  } else {
    writePy(out, value, level);
  }
}

/** Where serialised text goes; `push` may flush to a file. */
export interface TextSink {
  push(text: string): void;
}

/** `json.dumps(value, indent=2)` as one string (for small values and tests). */
export function dumpsPy(value: unknown): string {
  const parts: string[] = [];
  writePy(parts, value, 0);
  return parts.join('');
}
