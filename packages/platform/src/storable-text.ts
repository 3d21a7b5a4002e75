// Text PostgreSQL cannot store: a NUL character (text and jsonb refuse it, and the statement
// fails) and a lone UTF-16 surrogate (not a character at all; the driver would turn it into
// U+FFFD behind the caller's back). The http kit refuses both at the door, naming the field.

/** NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface UnstorableText {
  /** Where it is, as a dotted path (`address.city`, `items.0.name`); a key's own path when the key is the culprit. */
  field: string;
  /** What it contains: `a NUL character` or `a lone surrogate`. */
  what: string;
}

function describe(text: string): string {
  return text.includes('\u0000') ? 'a NUL character' : 'a lone surrogate';
}

/**
 * The first string in a parsed request part (a JSON body, a query, path parameters, headers)
 * that PostgreSQL cannot store, keys included; undefined when there is none. Only plain
 * objects, arrays and strings are walked (a streamed body is not looked into).
 */
export function findUnstorableText(value: unknown, path = ''): UnstorableText | undefined {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value) ? { field: path, what: describe(value) } : undefined;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], path ? `${path}.${index}` : String(index));
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  // Plain records only: parsed JSON, and the query and params objects, whose prototype is null or
  // an empty one without Object.prototype (fast-querystring's). A stream or a Buffer is not text.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && Object.getPrototypeOf(prototype) !== null)
    return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) {
      // The key itself goes into the answer: shown with U+FFFD where the bad characters were.
      const shown = key.replace(new RegExp(UNSTORABLE.source, 'g'), '\uFFFD');
      return { field: path ? `${path}.${shown}` : shown, what: `${describe(key)} in a key` };
    }
    const childPath = path ? `${path}.${key}` : key;
    const found = findUnstorableText(child, childPath);
    if (found) return found;
  }
  return undefined;
}
