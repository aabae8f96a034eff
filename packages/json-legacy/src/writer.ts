import { INVOCATION_FLOATS, type LegacyRawInvocation, type LegacyRawSkill, ROOT_KEYS, SKILL_FLOATS } from './format.js';
import { pyString, type TextSink, writePy, writePyObject } from './pyjson.js';

/** What a legacy file holds, to write it. */
export interface LegacyDocument {
  /** Top-level keys in order; `invocations` and `skills` are taken from the fields below. */
  root: Array<[string, unknown]>;
  invocations: readonly LegacyRawInvocation[];
  skills: ReadonlyMap<string, LegacyRawSkill>;
  /**
   * Each invocation's text as last written, kept between writes: an invocation that has not changed
   * is not serialised again. Filled in as the file is written; a changed invocation's entry is
   * cleared by whoever changes it.
   */
  texts?: Array<string | undefined>;
}

/** One invocation as `json.dumps(indent=2)` writes it inside the list. */
function invocationText(invocation: LegacyRawInvocation): string {
  const parts: string[] = [];
  writePyObject(parts, invocation, 2, INVOCATION_FLOATS);
  return parts.join('');
}

const CHUNK = 1 << 20;

class ChunkSink implements TextSink {
  parts: string[] = [];
  size = 0;
  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return text;
  }
}

/**
 * The file as `json.dumps(data, indent=2)` writes it, in chunks of about 1 MB: the root keys in their
 * order (the old tracker's `invocations`, `skills`, `last_updated` added when missing), with
 * `last_updated` set to `lastUpdated`.
 */
export function* legacyFileChunks(doc: LegacyDocument, lastUpdated: string): Generator<string> {
  const root = [...doc.root];
  for (const key of ROOT_KEYS) if (!root.some(([k]) => k === key)) root.push([key, undefined]);
  const out = new ChunkSink();
  out.push('{');
  for (let r = 0; r < root.length; r++) {
    const [key, value] = root[r] as [string, unknown];
    out.push(r === 0 ? '\n  ' : ',\n  ');
    out.push(pyString(key));
    out.push(': ');
    if (key === 'invocations') {
      const list = doc.invocations;
      if (list.length === 0) out.push('[]');
      else {
        out.push('[');
        const texts = doc.texts ?? [];
        for (let i = 0; i < list.length; i++) {
          out.push(i === 0 ? '\n    ' : ',\n    ');
          let text = texts[i];
          if (text === undefined) {
            text = invocationText(list[i] as LegacyRawInvocation);
            texts[i] = text;
          }
          out.push(text);
          if (out.size >= CHUNK) yield out.take();
        }
        out.push('\n  ]');
      }
    } else if (key === 'skills') {
      if (doc.skills.size === 0) out.push('{}');
      else {
        out.push('{');
        let first = true;
        for (const [name, skill] of doc.skills) {
          out.push(first ? '\n    ' : ',\n    ');
          first = false;
          out.push(pyString(name));
          out.push(': ');
          writePyObject(out, skill, 2, SKILL_FLOATS);
        }
        out.push('\n  }');
      }
    } else if (key === 'last_updated') {
      out.push(pyString(lastUpdated));
    } else {
      writePy(out, value, 1);
    }
  }
  out.push('\n}');
  yield out.take();
}
