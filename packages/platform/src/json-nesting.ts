// How deep a parsed JSON body nests. No request of the API nests more than a few levels, but a
// body of 5,000 `[` parses fine and then overflows the stack of whatever walks it recursively
// (the text check, a schema validator): a 500 for one request any client can send. The http kit
// refuses such a body with a 400 before anything walks it; this measures without recursing.

/** Object and array levels allowed in a request body. */
export const MAX_BODY_NESTING = 64;

/** Whether `value` nests objects or arrays more than `maxDepth` levels deep (iterative: any depth is safe). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children)
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}
