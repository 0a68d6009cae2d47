/**
 * Which lines of a C file the preprocessor compiles for a given kernel
 * version, as far as the version decides it. Modules guard API changes with
 * `#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)`; anything else the
 * source tests (CONFIG_*, its own macros) is unknown here, and a branch that
 * depends on it counts as maybe compiled.
 */

export type Truth = 'yes' | 'no' | 'maybe';

/** `undefined` is a value the version does not decide. */
type Value = number | undefined;

/**
 * Whether the kernel's headers define `name` as a macro (`#ifdef
 * class_create` tells a 6.3 kernel from a 6.4 one); undefined when unknown.
 */
export type MacroKnowledge = (name: string) => boolean | undefined;

const and = (a: Truth, b: Truth): Truth => (a === 'no' || b === 'no' ? 'no' : a === 'yes' ? b : b === 'yes' ? a : 'maybe');
const not = (a: Truth): Truth => (a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe');
const or = (a: Truth, b: Truth): Truth => not(and(not(a), not(b)));
const truth = (v: Value): Truth => (v === undefined ? 'maybe' : v !== 0 ? 'yes' : 'no');

/** (a << 16) + (b << 8) + min(c, 255), as <linux/version.h> computes it. */
export function kernelVersionCode(major: number, minor: number, patch: number): number {
  return major * 65536 + minor * 256 + Math.min(patch, 255);
}

const TOKEN = /\s*(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|\s*([A-Za-z_]\w*)|\s*(&&|\|\||==|!=|<=|>=|<<|>>|[()!~<>+\-*/%&|^?:,])/y;

/** Longer conditions than this are not version guards; they count as unknown (and bound the recursion). */
const MAX_CONDITION_CHARS = 1000;

/** Evaluates one `#if`/`#elif` expression with what the kernel version fixes. */
export function evaluateCondition(expression: string, versionCode: number, isMacro: MacroKnowledge = () => undefined): Value {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const text = expression.trim();
  if (text.length > MAX_CONDITION_CHARS) return undefined;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) return undefined; // something this evaluator does not model
    tokens.push(m[1] ?? m[2] ?? m[3]!);
  }
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string | undefined => {
    const t = tokens[pos];
    if (expected !== undefined && t !== expected) throw new SyntaxError(`expected ${expected}`);
    pos++;
    return t;
  };

  const binary: ReadonlyArray<ReadonlyArray<[string, (a: number, b: number) => number]>> = [
    [['|', (a, b) => a | b]],
    [['^', (a, b) => a ^ b]],
    [['&', (a, b) => a & b]],
    [['==', (a, b) => +(a === b)], ['!=', (a, b) => +(a !== b)]],
    [['<', (a, b) => +(a < b)], ['>', (a, b) => +(a > b)], ['<=', (a, b) => +(a <= b)], ['>=', (a, b) => +(a >= b)]],
    [['<<', (a, b) => a * 2 ** b], ['>>', (a, b) => Math.floor(a / 2 ** b)]],
    [['+', (a, b) => a + b], ['-', (a, b) => a - b]],
    [['*', (a, b) => a * b], ['/', (a, b) => (b === 0 ? NaN : Math.trunc(a / b))], ['%', (a, b) => (b === 0 ? NaN : a % b)]],
  ];

  const ternary = (): Value => {
    const cond = logicalOr();
    if (peek() !== '?') return cond;
    take('?');
    const a = ternary();
    take(':');
    const b = ternary();
    return cond === undefined ? (a === b ? a : undefined) : cond !== 0 ? a : b;
  };
  const logicalOr = (): Value => {
    let left = logicalAnd();
    while (peek() === '||') {
      take();
      const right = logicalAnd();
      left = (left !== undefined && left !== 0) || (right !== undefined && right !== 0) ? 1 : left === 0 && right === 0 ? 0 : undefined;
    }
    return left;
  };
  const logicalAnd = (): Value => {
    let left = level(0);
    while (peek() === '&&') {
      take();
      const right = level(0);
      left = left === 0 || right === 0 ? 0 : left === undefined || right === undefined ? undefined : 1;
    }
    return left;
  };
  const level = (i: number): Value => {
    if (i === binary.length) return unary();
    let left = level(i + 1);
    for (;;) {
      const op = binary[i]!.find(([name]) => name === peek());
      if (!op) return left;
      take();
      const right = level(i + 1);
      left = left === undefined || right === undefined ? undefined : op[1](left, right);
      if (left !== undefined && Number.isNaN(left)) left = undefined;
    }
  };
  const unary = (): Value => {
    const t = take();
    if (t === undefined) throw new SyntaxError('unexpected end');
    if (t === '!') return mapValue(unary(), (v) => +(v === 0));
    if (t === '-') return mapValue(unary(), (v) => -v);
    if (t === '+') return unary();
    if (t === '~') return mapValue(unary(), (v) => ~v);
    if (t === '(') {
      const v = ternary();
      take(')');
      return v;
    }
    if (/^\d|^0[xX]/.test(t)) return Number(t);
    if (t === 'defined') {
      const parens = peek() === '(';
      if (parens) take('(');
      const name = take();
      if (parens) take(')');
      const known = name === undefined ? undefined : isMacro(name);
      return known === undefined ? undefined : +known;
    }
    const args: Value[] = [];
    if (peek() === '(') {
      take('(');
      while (peek() !== ')') {
        args.push(ternary());
        if (peek() === ',') take(',');
        else if (peek() !== ')') throw new SyntaxError('expected , or )');
      }
      take(')');
    }
    if (t === 'LINUX_VERSION_CODE') return versionCode;
    if (t === 'KERNEL_VERSION' && args.length === 3 && args.every((a) => a !== undefined)) {
      return kernelVersionCode(args[0]!, args[1]!, args[2]!);
    }
    return undefined; // CONFIG_*, IS_ENABLED(), the module's own macros
  };

  try {
    const value = ternary();
    return pos === tokens.length ? value : undefined;
  } catch {
    return undefined;
  }
}

function mapValue(v: Value, f: (v: number) => number): Value {
  return v === undefined ? undefined : f(v);
}

const DIRECTIVE = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

interface Frame {
  /** Whether the enclosing region is compiled. */
  parent: Truth;
  /** Whether an earlier branch of this #if chain was taken. */
  taken: Truth;
}

/**
 * Per line (index 0 is line 1): is it compiled for `versionCode`? `source`
 * should have its comments blanked already (see maskComments), so a
 * commented-out `#if` changes nothing.
 */
export function compiledLines(source: string, versionCode: number, isMacro: MacroKnowledge = () => undefined): Truth[] {
  const lines = source.split('\n');
  const result: Truth[] = new Array<Truth>(lines.length);
  const stack: Frame[] = [];
  let current: Truth = 'yes';
  for (let i = 0; i < lines.length; i++) {
    const line = (k: number): string => lines[k]!.replace(/\r$/, '');
    let text = line(i);
    const first = i;
    // a directive continues over backslash-newlines
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${line(++i)}`;
    const m = DIRECTIVE.exec(text);
    for (let j = first; j <= i; j++) result[j] = current;
    if (!m) continue;
    const [, keyword, rest] = m;
    const condition = (): Truth => {
      if (keyword === 'ifdef' || keyword === 'ifndef') {
        const name = rest!.trim().split(/\s/)[0] ?? '';
        const known = isMacro(name);
        const defined: Truth = known === undefined ? 'maybe' : known ? 'yes' : 'no';
        return keyword === 'ifdef' ? defined : not(defined);
      }
      return truth(evaluateCondition(rest!, versionCode, isMacro));
    };
    switch (keyword) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const c = condition();
        stack.push({ parent: current, taken: c });
        current = and(current, c);
        break;
      }
      case 'elif': {
        const frame = stack.at(-1);
        if (!frame) break;
        const c = condition();
        current = and(frame.parent, and(not(frame.taken), c));
        frame.taken = or(frame.taken, c);
        break;
      }
      case 'else': {
        const frame = stack.at(-1);
        if (!frame) break;
        current = and(frame.parent, not(frame.taken));
        frame.taken = 'yes';
        break;
      }
      case 'endif':
        current = stack.pop()?.parent ?? 'yes';
        break;
    }
  }
  return result;
}
