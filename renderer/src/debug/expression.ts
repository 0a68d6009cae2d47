/** C identifiers: what gdb can name without running code. */
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEYWORDS = new Set(['return', 'if', 'else', 'switch', 'case', 'default', 'for', 'while', 'do', 'break', 'continue', 'goto', 'sizeof', 'struct', 'union', 'enum', 'static', 'const', 'unsigned', 'signed', 'int', 'long', 'char', 'void', 'short', 'size_t', 'bool', 'true', 'false', 'NULL']);

/**
 * The expression under the mouse at `column` (1-based) of `line`: the
 * identifier there with the member accesses before it (`slot->buf` when
 * the mouse is on `buf`), never a call or anything with side effects, so
 * hovering cannot run code in the guest. Undefined on keywords and
 * outside identifiers.
 */
export function expressionAt(line: string, column: number): { expression: string; start: number; end: number } | undefined {
  const at = column - 1;
  let start = at;
  while (start > 0 && /[A-Za-z0-9_]/.test(line[start - 1]!)) start--;
  IDENTIFIER.lastIndex = start;
  const word = IDENTIFIER.exec(line)?.[0];
  if (!word || start + word.length <= at || KEYWORDS.has(word)) return undefined;
  const end = start + word.length;
  // walk left over "->name" and ".name"
  let head = start;
  for (;;) {
    const before = line.slice(0, head);
    const member = /(->|\.)\s*$/.exec(before);
    if (!member) break;
    // an identifier, maybe indexed by names and numbers (kshram_slots[i]): nothing that could run or change code
    const owner = /([A-Za-z_][A-Za-z0-9_]*(\s*\[[A-Za-z0-9_ ]*\])*)\s*$/.exec(before.slice(0, member.index));
    if (!owner) return undefined; // a call's result, a cast: not something to evaluate on hover
    head = member.index - owner[0].length + (owner[0].length - owner[0].trimStart().length);
  }
  const expression = line.slice(head, end).replace(/\s+/g, '');
  return { expression, start: head + 1, end: end + 1 };
}
