import type { DebugFrame, DebugMemory, DebugStack, DebugVariable } from './state.js';
import type { KernelSymbols } from '../kit/system-map.js';
import { workspaceFile } from './gdb-breakpoints.js';
import type { MiChannel } from './mi-channel.js';
import { miQuote, miString, type MiTuple, type MiValue } from './mi.js';
import { scanStack, THREAD_SIZE } from './stack-scan.js';

/** Deeper than any path into kshram.ko from a syscall; gdb lists at most this many frames. */
const MAX_FRAMES = 32;
/**
 * x86-64 kernel text and modules live in the top 2 GiB (-mcmodel=kernel).
 * A "frame" below it is gdb unwinding through kernel code it has no debug
 * info for, reading stack words as return addresses.
 */
const KERNEL_CODE_START = 0xffffffff80000000n;

/** What the inspector knows of the guest's kernel. */
export interface KernelView {
  /** The kit's System.map, once read and not found wrong for the running kernel. */
  symbols(): KernelSymbols | undefined;
  /** The size (and alignment) of a task's kernel stack: THREAD_SIZE, twice that with KASAN. */
  threadSize: number;
}

const NO_KERNEL_VIEW: KernelView = { symbols: () => undefined, threadSize: THREAD_SIZE };
/** Bytes shown for a pointer: four rows of 16 tell a student whether the data is there. */
export const MAX_POINTER_BYTES = 64;
/** Pointers whose target is bytes rather than a typed object. */
const BYTE_POINTER = /^(const\s+)?(volatile\s+)?(void|char|signed char|unsigned char|u8|s8|__u8|__s8|uint8_t|int8_t)\s*\*$/;
/** A sibling field that says how many bytes the pointer holds (struct kshram_slot's buf and size). */
const LENGTH_FIELD = /^(size|len|length|count|nbytes)$/;

/** A frame's variables as gdb variable objects, kept across stops so gdb can say which changed. */
interface Scope {
  key: string;
  roots: Array<{ ref: string; name: string; argument: boolean; type?: string; numchild: number }>;
}

const tuples = (value: MiValue | undefined): MiTuple[] => (Array.isArray(value) ? value.filter((v): v is MiTuple => typeof v === 'object' && !Array.isArray(v)) : []);

/**
 * Reads a stopped guest through gdb's machine interface, never its console:
 * the stack (-stack-list-frames), a frame's arguments and locals as
 * variable objects (-stack-list-variables, -var-create), their parts
 * (-var-list-children), what changed since the last stop (-var-update),
 * and memory (-data-read-memory-bytes). Every call needs the guest stopped.
 */
export class Inspector {
  /** The variable objects of frames shown so far, by frame. */
  private readonly scopes = new Map<string, Scope>();
  /** Values of variable objects as last read (a root's value changes only through -var-update). */
  private readonly values = new Map<string, string>();
  /** Variable objects whose value changed at the last stop. */
  private changed = new Set<string>();
  /** Each watch's variable object, and its values at this stop and the one before. */
  private readonly watches = new Map<string, { ref?: string; stop: number; value?: string; before?: string }>();
  private stop = 0;
  /** How many frames of the last stack gdb unwound: deeper levels were found by scanning and have no gdb frame. */
  private unwound = 1;

  constructor(
    private readonly mi: MiChannel,
    private readonly kernel: KernelView = NO_KERNEL_VIEW,
  ) {}

  /**
   * At a stop the student sees: asks gdb which values changed since the
   * previous one (frames that ended take their variable objects with them),
   * then lists the stack.
   */
  async atStop(thread: number): Promise<DebugStack> {
    this.stop++;
    const update = await this.mi.command('-var-update --all-values *').catch(() => undefined);
    this.changed = new Set();
    const gone = new Set<string>();
    for (const change of tuples(update?.results.changelist)) {
      const ref = miString(change, 'name');
      if (!ref) continue;
      if (miString(change, 'in_scope') !== 'true') gone.add(ref.split('.')[0]!);
      else {
        this.changed.add(ref);
        const value = miString(change, 'value');
        if (value !== undefined) this.values.set(ref, value);
      }
    }
    for (const scope of [...this.scopes.values()]) {
      if (scope.roots.some((root) => gone.has(root.ref))) await this.dropScope(scope);
    }
    return this.stack(thread);
  }

  /**
   * The stopped CPU's frames, innermost first. gdb unwinds a caller only
   * through the callee's debug info, which the module has and the kernel
   * lacks: it lists frames up to the first kernel one, and what it lists
   * past that are guesses, left out. Kernel frames are named from the
   * kit's System.map, and with one the rest of the stack is scanned for
   * the syscall path (stack-scan.ts).
   */
  async stack(thread: number): Promise<DebugStack> {
    const done = await this.mi.command(`-stack-list-frames --thread ${thread} 0 ${MAX_FRAMES - 1}`);
    const symbols = this.kernel.symbols();
    const listed = tuples(done.results.stack);
    const frames: DebugFrame[] = [];
    for (const entry of listed) {
      const address = miString(entry, 'addr') ?? '0x0';
      if (frames.at(-1)?.origin === 'kernel' || BigInt(address) < KERNEL_CODE_START) break;
      const file = workspaceFile(miString(entry, 'fullname') ?? miString(entry, 'file'));
      const line = Number(miString(entry, 'line'));
      const fn = miString(entry, 'func');
      const named = !file && symbols ? symbols.lookup(BigInt(address)) : undefined;
      frames.push({
        level: Number(miString(entry, 'level')),
        address,
        ...(named ? { function: named.name, offset: `0x${named.offset.toString(16)}` } : fn && fn !== '??' ? { function: fn } : {}),
        ...(file && line > 0 ? { file, line } : {}),
        origin: file ? 'module' : 'kernel',
      });
    }
    this.unwound = Math.max(1, frames.length);
    const last = frames.at(-1);
    const more = listed.length > frames.length || frames.length === MAX_FRAMES;
    if (!symbols || last?.origin !== 'kernel') return { thread, frames, cut: more, kernelSymbols: !!symbols };
    const scanned = await this.scan(thread, last, symbols).catch(() => undefined);
    for (const frame of scanned?.frames ?? []) {
      frames.push({ level: frames.length, address: `0x${frame.address.toString(16)}`, function: frame.symbol.name, offset: `0x${frame.symbol.offset.toString(16)}`, origin: 'kernel', scanned: true });
    }
    return { thread, frames, cut: !scanned?.complete, kernelSymbols: true };
  }

  /** The kernel frames above `last` (the outermost one gdb unwound), found on its stack. */
  private async scan(thread: number, last: DebugFrame, symbols: KernelSymbols): ReturnType<typeof scanStack> {
    const sp = await this.mi.command(`-data-evaluate-expression --thread ${thread} --frame ${last.level} "(unsigned long)$sp"`);
    const read = async (address: bigint, length: number): Promise<Buffer | undefined> => {
      const memory = await this.memory(`0x${address.toString(16)}`, length);
      return memory.hex.length === 2 * length ? Buffer.from(memory.hex, 'hex') : undefined;
    };
    return scanStack(read, BigInt(miString(sp.results, 'value') ?? '0'), last.function, symbols, this.kernel.threadSize);
  }

  /** gdb's frame for `level`: a frame found by scanning has none, so the outermost unwound one stands in. */
  private frameLevel(level: number): number {
    return Math.min(level, this.unwound - 1);
  }

  /** The arguments and locals of frame `level`, with what changed since the last stop. */
  async variables(thread: number, requested: number): Promise<DebugVariable[]> {
    const level = this.frameLevel(requested);
    const frame = await this.mi.command(`-stack-info-frame --thread ${thread} --frame ${level}`);
    const fn = miString(frame.results.frame, 'func') ?? '??';
    const key = `${thread}/${level}/${fn}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = await this.makeScope(key, thread, level);
      this.scopes.set(key, scope);
    }
    const rows = scope.roots.map((root) => this.row(root.ref, root.name, root.type, root.numchild, this.values.get(root.ref) ?? '', root.argument));
    return withByteLengths(rows);
  }

  /** A struct's fields, an array's elements, what a pointer points at. */
  async children(ref: string): Promise<DebugVariable[]> {
    const done = await this.mi.command(`-var-list-children --all-values ${ref}`);
    const rows = tuples(done.results.children).map((child) => {
      const childRef = miString(child, 'name')!;
      const value = miString(child, 'value') ?? '';
      this.values.set(childRef, value);
      return this.row(childRef, miString(child, 'exp') ?? childRef, miString(child, 'type'), Number(miString(child, 'numchild') ?? '0'), value);
    });
    return withByteLengths(rows);
  }

  /** `length` bytes of the guest's memory at `address` (as much as can be read). */
  async memory(address: string, length: number): Promise<DebugMemory> {
    const done = await this.mi.command(`-data-read-memory-bytes ${address} ${length}`).catch((err: Error) => err);
    if (done instanceof Error) return { address, hex: '', error: done.message };
    const first = tuples(done.results.memory)[0];
    // only the part from the start address: a later block after a gap would misplace bytes
    const hex = first && BigInt(miString(first, 'begin') ?? '-1') === BigInt(address) ? (miString(first, 'contents') ?? '') : '';
    return hex ? { address, hex } : { address, hex: '', error: `cannot read memory at ${address}` };
  }

  /** One expression in frame `level`, for the value under the mouse: nothing is kept. */
  async evaluate(thread: number, requested: number, expression: string): Promise<DebugVariable> {
    const level = this.frameLevel(requested);
    const made = await this.mi.command(`-var-create --thread ${thread} --frame ${level} - * ${miQuote(expression)}`).catch((err: Error) => err);
    if (made instanceof Error) return { name: expression, value: '', error: await this.whyNot(thread, level, expression, made) };
    const ref = miString(made.results, 'name')!;
    await this.mi.command(`-var-delete ${ref}`).catch(() => undefined);
    const [row] = withByteLengths([{ name: expression, value: miString(made.results, 'value') ?? '', type: miString(made.results, 'type') }]);
    return row!;
  }

  /** The watch expressions in frame `level`, each marked when its value differs from the previous stop's. */
  async watch(thread: number, requested: number, expressions: string[]): Promise<DebugVariable[]> {
    const level = this.frameLevel(requested);
    const rows: DebugVariable[] = [];
    for (const expression of expressions) {
      const last = this.watches.get(expression);
      if (last?.ref) await this.mi.command(`-var-delete ${last.ref}`).catch(() => undefined);
      const made = await this.mi.command(`-var-create --thread ${thread} --frame ${level} - * ${miQuote(expression)}`).catch((err: Error) => err);
      const before = last && last.stop !== this.stop ? last.value : last?.before;
      if (made instanceof Error) {
        this.watches.set(expression, { stop: this.stop, before });
        rows.push({ name: expression, value: '', error: await this.whyNot(thread, level, expression, made) });
        continue;
      }
      const ref = miString(made.results, 'name')!;
      const value = miString(made.results, 'value') ?? '';
      this.watches.set(expression, { ref, stop: this.stop, value, before });
      const row = this.row(ref, expression, miString(made.results, 'type'), Number(miString(made.results, 'numchild') ?? '0'), value);
      rows.push({ ...row, changed: before !== undefined && before !== value });
    }
    // watches the student removed
    for (const [expression, last] of this.watches) {
      if (expressions.includes(expression)) continue;
      if (last.ref) await this.mi.command(`-var-delete ${last.ref}`).catch(() => undefined);
      this.watches.delete(expression);
    }
    return withByteLengths(rows);
  }

  /**
   * gdb's reason an expression has no value: -var-create says only "unable
   * to create variable object"; evaluating it names the cause ("No symbol
   * "x" in current context.").
   */
  private async whyNot(thread: number, level: number, expression: string, failed: Error): Promise<string> {
    const evaluated = await this.mi.command(`-data-evaluate-expression --thread ${thread} --frame ${level} ${miQuote(expression)}`).catch((err: Error) => err);
    return evaluated instanceof Error ? evaluated.message : failed.message;
  }

  private async makeScope(key: string, thread: number, level: number): Promise<Scope> {
    const listed = await this.mi.command(`-stack-list-variables --thread ${thread} --frame ${level} --no-values`);
    const scope: Scope = { key, roots: [] };
    for (const variable of tuples(listed.results.variables)) {
      const name = miString(variable, 'name');
      if (!name) continue;
      const made = await this.mi.command(`-var-create --thread ${thread} --frame ${level} - * ${miQuote(name)}`).catch(() => undefined);
      const ref = miString(made?.results, 'name');
      if (!made || !ref) continue;
      this.values.set(ref, miString(made.results, 'value') ?? '');
      scope.roots.push({ ref, name, argument: miString(variable, 'arg') === '1', type: miString(made.results, 'type'), numchild: Number(miString(made.results, 'numchild') ?? '0') });
    }
    return scope;
  }

  private async dropScope(scope: Scope): Promise<void> {
    this.scopes.delete(scope.key);
    for (const root of scope.roots) {
      await this.mi.command(`-var-delete ${root.ref}`).catch(() => undefined);
      for (const ref of [...this.values.keys()]) if (ref === root.ref || ref.startsWith(`${root.ref}.`)) this.values.delete(ref);
    }
  }

  private row(ref: string, name: string, type: string | undefined, numchild: number, value: string, argument?: boolean): DebugVariable {
    return {
      name,
      value,
      ...(type ? { type } : {}),
      ...(argument ? { argument } : {}),
      ...(numchild > 0 ? { ref } : {}),
      ...(this.changed.has(ref) ? { changed: true } : {}),
    };
  }
}

/**
 * Byte pointers get the bytes they point at: as many as a sibling size
 * field says (slot->buf and slot->size), at most MAX_POINTER_BYTES; none
 * for NULL or a value gdb could not read.
 */
function withByteLengths(rows: DebugVariable[]): DebugVariable[] {
  const sized = rows.find((row) => LENGTH_FIELD.test(row.name) && /^\d+$/.test(row.value));
  return rows.map((row) => {
    const address = /^0x[0-9a-f]+/.exec(row.value)?.[0];
    if (!row.type || !BYTE_POINTER.test(row.type) || !address || BigInt(address) === 0n) return row;
    const length = sized ? Math.min(Number(sized.value), MAX_POINTER_BYTES) : MAX_POINTER_BYTES;
    return length > 0 ? { ...row, bytes: { address, length } } : row;
  });
}
