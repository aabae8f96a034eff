import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, dumpsPy, JsonSyntaxError, keysOf, parseJson, pyFloat, pyString } from './pyjson.js';

/** Runs a Python snippet that reads JSON from stdin and prints JSON to stdout. */
function python(code: string, input: unknown): unknown {
  const out = execFileSync('python3', ['-c', `import json, sys\n${code}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

describe('pyFloat', () => {
  it("writes floats as Python's repr does", () => {
    const cases: Array<[number, string]> = [
      [0, '0.0'],
      [-0, '-0.0'],
      [5, '5.0'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [123456789012345.6, '123456789012345.6'],
      [1e15, '1000000000000000.0'],
      [0.1 + 0.2, '0.30000000000000004'],
      [-2.5e-7, '-2.5e-07'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
    ];
    for (const [x, repr] of cases) expect(pyFloat(x), String(x)).toBe(repr);
  });

  it('agrees with python3 on 3,000 doubles of every magnitude', () => {
    const values = fc
      .sample(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000),
        ),
        { numRuns: 3000, seed: 42 },
      )
      .filter((x) => !Object.is(x, -0)); // JSON carries no -0 to python3; -0.0 is checked above
    const reprs = python('print(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))', values) as string[];
    values.forEach((x, i) => {
      expect(pyFloat(x), String(x)).toBe(reprs[i]);
    });
  });
});

describe('pyString', () => {
  it('writes ASCII only, as json.dumps does: lowercase \\uXXXX, surrogate pairs, short escapes', () => {
    expect(pyString('plain')).toBe('"plain"');
    expect(pyString('déjà 🚀 测试')).toBe('"d\\u00e9j\\u00e0 \\ud83d\\ude80 \\u6d4b\\u8bd5"');
    expect(pyString('"q" \\ \n\r\t\b\f \u0001 \u007f \u001f')).toBe(
      '"\\"q\\" \\\\ \\n\\r\\t\\b\\f \\u0001 \\u007f \\u001f"',
    );
    expect(pyString('\ud800 lone')).toBe('"\\ud800 lone"');
  });

  it('agrees with python3 on 2,000 strings of any code units', () => {
    const strings = fc.sample(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), {
      numRuns: 2000,
      seed: 7,
    });
    const dumped = python('print(json.dumps([json.dumps(s) for s in json.load(sys.stdin)]))', strings) as string[];
    strings.forEach((s, i) => {
      expect(pyString(s)).toBe(dumped[i]);
    });
  });
});

describe('parseJson and dumpsPy', () => {
  it('reads back what json.dumps(indent=2) wrote, byte for byte: floats, key order, big integers', () => {
    const text = `{
  "2": 1.0,
  "10": [
    0.0,
    1e+16,
    12345678901234567890,
    -0.0,
    3e-06
  ],
  "a": {},
  "__proto__": [],
  "b": {
    "1": true,
    "x": null
  }
}`;
    const value = parseJson(text) as Record<string, unknown>;
    expect(keysOf(value)).toEqual(['2', '10', 'a', '__proto__', 'b']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(dumpsPy(value)).toBe(text);
    expect(dumpsPy(cloneJson(value))).toBe(text);
  });

  it('round-trips 300 random values through python3 json.dumps(indent=2)', () => {
    // Inside an object, as in a file: a float's type is kept by the object that holds it.
    const values = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 300, seed: 3 }).map((v) => ({ v }));
    const texts = python(
      'print(json.dumps([json.dumps(v, indent=2) for v in json.load(sys.stdin)]))',
      values,
    ) as string[];
    for (const text of texts) expect(dumpsPy(parseJson(text))).toBe(text);
  });

  it('accepts exactly what JSON.parse accepts, with the same values', () => {
    const almostJson = fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .tuple(fc.json(), fc.nat(), fc.string({ maxLength: 3 }))
        .map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
    );
    fc.assert(
      fc.property(almostJson, (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        if (valid) expect(parseJson(text)).toEqual(expected);
        else expect(() => parseJson(text)).toThrow(JsonSyntaxError);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('says where a syntax error is', () => {
    const at = (text: string) => {
      try {
        parseJson(text);
      } catch (error) {
        return [(error as JsonSyntaxError).index, (error as Error).message];
      }
      return null;
    };
    expect(at('{"a": 1,}')).toEqual([8, "unexpected character '}', expected a key"]);
    expect(at('{"a" 1}')).toEqual([5, "unexpected character '1', expected ':'"]);
    expect(at('[1, 2')).toEqual([5, "unexpected end of data, expected ',' or ']'"]);
    expect(at('"a\u0001"')).toEqual([2, 'control character U+0001 in a string']);
    expect(at('{"a": 01}')).toEqual([7, "unexpected character '1', expected ',' or '}'"]);
  });
});
