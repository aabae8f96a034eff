import { describe, InvalidInputError } from '../contract/errors.js';
import { checkWellFormed } from './text.js';

/**
 * A caller's `userContext` as JSON keeps it — what `toJSON()` gives (dates as text), `undefined`
 * keys left out, `NaN` as null — so that every store keeps the same context. What JSON cannot hold
 * and would lose without a word is refused, naming where it is: a function or a symbol (JSON drops
 * the key), a bigint, a cycle, a lone surrogate; and so is a context that is not an object as JSON.
 */
export function checkJsonObject(value: unknown, field: string): Record<string, unknown> {
  const json = toJson(value, field, new Set(), '');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidInputError(field, `must be a plain object (as JSON), got ${describe(json)}`);
  }
  return json as Record<string, unknown>;
}

function toJson(input: unknown, field: string, ancestors: Set<object>, key: string): unknown {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return checkWellFormed(value, field);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'undefined':
      return undefined;
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw new InvalidInputError(field, 'must be JSON, but holds a cycle');
      ancestors.add(value);
      let out: unknown;
      if (Array.isArray(value)) {
        out = value.map((v, i) => toJson(v, `${field}[${i}]`, ancestors, String(i)) ?? null);
      } else {
        const copy: Record<string, unknown> = {};
        for (const k of Object.keys(value)) {
          checkWellFormed(k, `${field} key ${JSON.stringify(k)}`);
          const v = toJson((value as Record<string, unknown>)[k], `${field}.${k}`, ancestors, k);
          // Keys are any text, `__proto__` too: defined, not assigned.
          if (v !== undefined)
            Object.defineProperty(copy, k, { value: v, writable: true, enumerable: true, configurable: true });
        }
        out = copy;
      }
      ancestors.delete(value);
      return out;
    }
    default:
      throw new InvalidInputError(field, `must be JSON, but holds ${describe(value)}`);
  }
}

/** `value` as JSON text, to keep; a value JSON cannot hold (a cycle, a bigint, a function) is refused. */
export function jsonText(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(field, `cannot be kept as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new InvalidInputError(field, `cannot be kept as JSON, got ${describe(value)}`);
  return text;
}
