/**
 * Finds, in a module's C source, the constructs whose spelling changed
 * between Linux 6.1 and 6.12 (see compat.ts for what is done about each).
 * A text scan, not a parse: comments and string contents are blanked
 * first, so only code matches, and every finding keeps its line and the
 * source text of its arguments so a message can say exactly what to write.
 */

export type ConstructKind =
  | 'class_create-owner'
  | 'class_create-name'
  | 'devnode-const'
  | 'devnode-plain'
  | 'dev_uevent-const'
  | 'dev_uevent-plain'
  | 'vm_flags-write'
  | 'vm_flags-helper'
  | 'no_llseek'
  | 'strlcpy'
  | 'kallsyms_lookup_name';

export interface Construct {
  kind: ConstructKind;
  /** 1-based line and column of the construct (for a class callback: of the assignment). */
  line: number;
  column: number;
  /** The call's or assignment's arguments as written, whitespace collapsed. */
  args: string[];
  /** vm_flags-write: the operator; vm_flags-helper: which helper (set, clear ...). */
  op?: string;
  /** A class callback (devnode, dev_uevent): the function's name and where it is defined. */
  callback?: { name: string; line: number; column: number };
}

/** A name the module defines itself (macro or function), e.g. its own vm_flags_set(). */
export interface OwnDefinition {
  name: string;
  line: number;
}

/** A #define before the module's first #include (pr_fmt, DEBUG), which kernel headers read. */
export interface PrologueDefine {
  name: string;
  line: number;
  text: string;
}

export interface SourceScan {
  /** The source with comments and string/char contents blanked; same offsets and lines. */
  masked: string;
  constructs: Construct[];
  definitions: OwnDefinition[];
  prologue: PrologueDefine[];
}

/**
 * Blanks comments (keeping their newlines) and, unless told not to, the
 * insides of string and character literals, so offsets and line numbers
 * stay those of `source`.
 */
export function maskComments(source: string, blankStrings = true): string {
  const out = source.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '/') {
      let stop = source.indexOf('\n', i);
      if (stop < 0) stop = source.length;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < source.length && source[k] !== c && source[k] !== '\n') k += source[k] === '\\' ? 2 : 1;
      if (blankStrings) blank(i + 1, Math.min(k, source.length));
      i = k + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

export function scanSource(source: string): SourceScan {
  const masked = maskComments(source);
  const lineStarts = [0];
  for (let i = 0; i < masked.length; i++) if (masked[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  /** Line and character column, as the build reports gcc's diagnostics (diagnostics.ts charColumns). */
  const at = (offset: number): { line: number; column: number } => {
    const line = lineOf(offset);
    return { line, column: offset - lineStarts[line - 1]! + 1 };
  };
  const lines = masked.split('\n');
  /**
   * Lines where a name is not code: conditionals and includes, and the
   * module's own #define of that very name. A macro body that uses it is
   * code wherever the macro is used, so it counts.
   */
  const notCode = (line: number, name: string): boolean => {
    const text = lines[line - 1] ?? '';
    return /^\s*#\s*(?:if|ifdef|ifndef|elif|undef|include|pragma|error|warning)\b/.test(text) || new RegExp(`^\\s*#\\s*define\\s+${name}\\b`).test(text);
  };
  const text = (from: number, to: number): string => source.slice(from, to).replace(/\s+/g, ' ').trim();

  /** Arguments of the call whose "(" is at `open`, and the offset after its ")". */
  const callArgs = (open: number): { args: string[]; end: number } | undefined => {
    const args: string[] = [];
    let depth = 0;
    let start = open + 1;
    for (let k = open; k < Math.min(masked.length, open + MAX_CALL_CHARS); k++) {
      const c = masked[k]!;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          const last = text(start, k);
          if (last || args.length) args.push(last);
          return { args, end: k + 1 };
        }
      } else if (c === ',' && depth === 1) {
        args.push(text(start, k));
        start = k + 1;
      }
    }
    return undefined;
  };
  const isDefinition = (end: number): boolean => /^\s*\{/.test(masked.slice(end, end + 200));

  const constructs: Construct[] = [];
  const definitions: OwnDefinition[] = [];

  for (const m of masked.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/gm)) {
    definitions.push({ name: m[1]!, line: lineOf(m.index) });
  }

  const calls = (name: RegExp, each: (m: RegExpMatchArray, call: { args: string[]; end: number }) => void): void => {
    for (const m of masked.matchAll(name)) {
      const line = lineOf(m.index);
      if (notCode(line, m[1] ?? 'class_create')) continue;
      const call = callArgs(m.index + m[0].length - 1);
      if (!call) continue;
      if (isDefinition(call.end)) {
        definitions.push({ name: m[1] ?? m[0].replace(/\s*\($/, ''), line });
        continue;
      }
      each(m, call);
    }
  };

  calls(/\bclass_create\s*\(/g, (m, call) => {
    const kind = call.args.length === 2 ? 'class_create-owner' : call.args.length === 1 ? 'class_create-name' : undefined;
    if (kind) constructs.push({ kind, ...at(m.index!), args: call.args });
  });

  calls(/\b(vm_flags_(?:init|reset|set|clear|mod))\s*\(/g, (m, call) => {
    constructs.push({ kind: 'vm_flags-helper', ...at(m.index!), args: call.args, op: m[1]!.slice('vm_flags_'.length) });
  });

  calls(/\b(strlcpy)\s*\(/g, (m, call) => {
    constructs.push({ kind: 'strlcpy', ...at(m.index!), args: call.args });
  });

  calls(/\b(kallsyms_lookup_name)\s*\(/g, (m, call) => {
    constructs.push({ kind: 'kallsyms_lookup_name', ...at(m.index!), args: call.args });
  });

  for (const m of masked.matchAll(/\bno_llseek\b/g)) {
    const where = at(m.index);
    if (!notCode(where.line, 'no_llseek')) constructs.push({ kind: 'no_llseek', ...where, args: [] });
  }

  for (const m of masked.matchAll(/->\s*vm_flags\s*(\|=|&=|\^=|=(?!=))/g)) {
    const start = operandStart(masked, m.index);
    if (start === undefined) continue;
    const where = at(start);
    if (notCode(where.line, 'vm_flags')) continue;
    const valueStart = m.index + m[0].length;
    const valueEnd = expressionEnd(masked, valueStart);
    constructs.push({ kind: 'vm_flags-write', ...where, args: [text(start, m.index), text(valueStart, valueEnd)], op: m[1]! });
  }

  // struct class callbacks that take a const struct device * from 6.2 on
  const signatures = new Map<string, RegExpExecArray | null>();
  for (const m of masked.matchAll(/(?:\.|->)\s*(devnode|dev_uevent)\s*=\s*&?\s*([A-Za-z_]\w*)/g)) {
    const member = m[1] as 'devnode' | 'dev_uevent';
    const name = m[2]!;
    if (!signatures.has(name)) signatures.set(name, new RegExp(`\\b${name}\\s*\\(\\s*(const\\s+)?struct\\s+device\\s*(const\\s*)?\\*`).exec(masked));
    const signature = signatures.get(name);
    if (!signature) continue; // not a function this scan can read; the compiler decides
    const kind = signature[1] || signature[2] ? (`${member}-const` as const) : (`${member}-plain` as const);
    constructs.push({ kind, ...at(m.index + m[0].length - name.length), args: [name], callback: { name, ...at(signature.index) } });
  }

  constructs.sort((a, b) => a.line - b.line);
  return { masked, constructs, definitions, prologue: prologueDefines(maskComments(source, false)) };
}

/** Longest call (arguments included) read; a longer one is not one of these API calls. */
const MAX_CALL_CHARS = 2000;

/** Longest VMA expression (vma, priv->vma, (vma), vmas[i]) looked back over; longer is not a student's. */
const MAX_OPERAND_CHARS = 200;

/**
 * Start of the operand that ends right before `end` (where "->vm_flags"
 * begins): names joined by -> or ., each possibly indexed or parenthesised.
 * Walks backwards, so each write costs at most MAX_OPERAND_CHARS.
 */
function operandStart(masked: string, end: number): number | undefined {
  const limit = Math.max(0, end - MAX_OPERAND_CHARS);
  let k = end;
  const skipSpace = (): void => {
    while (k > limit && /\s/.test(masked[k - 1]!)) k--;
  };
  const skipBracketed = (open: string, close: string): boolean => {
    let depth = 0;
    while (k > limit) {
      const c = masked[--k]!;
      if (c === close) depth++;
      else if (c === open && --depth === 0) return true;
    }
    return false;
  };
  for (;;) {
    skipSpace();
    while (masked[k - 1] === ']') {
      if (!skipBracketed('[', ']')) return undefined;
      skipSpace();
    }
    if (masked[k - 1] === ')') {
      if (!skipBracketed('(', ')')) return undefined;
    } else {
      const nameEnd = k;
      while (k > limit && /\w/.test(masked[k - 1]!)) k--;
      if (k === nameEnd || /\d/.test(masked[k]!)) return undefined;
    }
    const operandBegin = k;
    skipSpace();
    if (masked.slice(k - 2, k) === '->') k -= 2;
    else if (masked[k - 1] === '.' && masked[k - 2] !== '.') k -= 1;
    else return operandBegin;
  }
}

/**
 * Where the expression starting at `from` ends: at a ";" or "," outside
 * brackets, at the bracket that closes around it, or at the end of a
 * macro's line.
 */
function expressionEnd(masked: string, from: number): number {
  let depth = 0;
  const stop = Math.min(masked.length, from + MAX_CALL_CHARS);
  for (let k = from; k < stop; k++) {
    const c = masked[k]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return k;
      depth--;
    } else if ((c === ';' || c === ',') && depth === 0) return k;
    else if (c === '\n' && masked[k - 1] !== '\\' && /^\s*#/.test(masked.slice(masked.lastIndexOf('\n', k - 1) + 1, k))) return k;
  }
  return stop;
}

/** The #define lines before the first line that is not blank, a comment or a #define. */
function prologueDefines(withoutComments: string): PrologueDefine[] {
  const found: PrologueDefine[] = [];
  const lines = withoutComments.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const m = /^\s*#\s*define\s+([A-Za-z_]\w*)/.exec(line);
    if (!m) break;
    const first = i;
    while (lines[i]!.trimEnd().endsWith('\\') && i + 1 < lines.length) i++;
    // string literals (a pr_fmt prefix) kept, comments gone
    found.push({ name: m[1]!, line: first + 1, text: lines.slice(first, i + 1).map((l) => l.trimEnd()).join('\n') });
  }
  return found;
}
