/**
 * GDB/MI output records (gdb manual, "GDB/MI Output Syntax"): the engine
 * drives gdb through MI while the student types into gdb's own console, so
 * only what the engine needs is parsed: result and async records with
 * their c-strings, tuples and lists. Stream records are ignored (the
 * console shows them to the student already).
 */

export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple {
  [key: string]: MiValue;
}

export interface MiRecord {
  /** `^` result, `*` exec async, `=` notify async, `+` status async. */
  kind: '^' | '*' | '=' | '+';
  token?: number;
  /** done, running, error, stopped, breakpoint-created, … */
  klass: string;
  results: MiTuple;
}

/** One line of MI output as a record, or undefined for stream records, the prompt and anything else. */
export function parseMiLine(line: string): MiRecord | undefined {
  const match = /^(\d*)([\^*=+])([a-zA-Z-]+)/.exec(line.trimEnd());
  if (!match) return undefined;
  const parser = new Parser(line.trimEnd(), match[0].length);
  const results: MiTuple = {};
  while (parser.peek() === ',') {
    parser.pos++;
    const [key, value] = parser.result();
    results[key] = value;
  }
  return { kind: match[2] as MiRecord['kind'], token: match[1] ? Number(match[1]) : undefined, klass: match[3]!, results };
}

const utf8 = new TextEncoder();

class Parser {
  constructor(
    private readonly text: string,
    public pos: number,
  ) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  result(): [string, MiValue] {
    const eq = this.text.indexOf('=', this.pos);
    if (eq < 0) throw new Error(`MI: no '=' after ${this.text.slice(this.pos, this.pos + 20)}`);
    const key = this.text.slice(this.pos, eq);
    this.pos = eq + 1;
    return [key, this.value()];
  }

  value(): MiValue {
    const c = this.peek();
    if (c === '"') return this.cstring();
    if (c === '{') return this.tuple();
    if (c === '[') return this.list();
    throw new Error(`MI: unexpected ${c ?? 'end'} at ${this.pos}`);
  }

  /** gdb escapes bytes outside ASCII as octal: they are collected as bytes and decoded as UTF-8. */
  private cstring(): string {
    const bytes: number[] = [];
    const text = (t: string): void => void bytes.push(...utf8.encode(t));
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '"') return new TextDecoder().decode(new Uint8Array(bytes));
      if (c !== '\\') {
        text(c);
        continue;
      }
      const e = this.text[this.pos++]!;
      if (e === 'n') text('\n');
      else if (e === 't') text('\t');
      else if (/[0-7]/.test(e)) {
        bytes.push(parseInt(this.text.slice(this.pos - 1, this.pos + 2), 8));
        this.pos += 2;
      } else text(e);
    }
    throw new Error('MI: unterminated string');
  }

  /**
   * gdb 13 prints a breakpoint's commands as a tuple of bare values,
   * `script={"silent"}`, even in MI3: those are kept by their position
   * ("0", "1", …) rather than refused, or the whole record would be lost.
   */
  private tuple(): MiTuple {
    const tuple: MiTuple = {};
    this.pos++;
    for (let index = 0; this.peek() !== '}'; index++) {
      if (this.peek() === undefined) throw new Error('MI: unterminated tuple');
      if (/["{[]/.test(this.peek()!)) tuple[String(index)] = this.value();
      else {
        const [key, value] = this.result();
        tuple[key] = value;
      }
      if (this.peek() === ',') this.pos++;
    }
    this.pos++;
    return tuple;
  }

  /** A list holds values, or results whose keys MI repeats (bkpt=…,bkpt=…); keys are dropped. */
  private list(): MiValue[] {
    const list: MiValue[] = [];
    this.pos++;
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new Error('MI: unterminated list');
      list.push(/[a-zA-Z_]/.test(this.peek()!) ? this.result()[1] : this.value());
      if (this.peek() === ',') this.pos++;
    }
    this.pos++;
    return list;
  }
}

/** A string field of a tuple, or undefined. */
export function miString(tuple: MiValue | undefined, key: string): string | undefined {
  if (!tuple || typeof tuple === 'string' || Array.isArray(tuple)) return undefined;
  const value = tuple[key];
  return typeof value === 'string' ? value : undefined;
}

/** Quotes a CLI command for -interpreter-exec. */
export function miQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
