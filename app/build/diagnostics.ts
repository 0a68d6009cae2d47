/** Compiler and modpost messages, located in the user's files where possible. */

export type Severity = 'error' | 'warning' | 'note' | 'info';

export interface Diagnostic {
  /** Workspace-relative ("kshram.c") when the file is the user's, else as printed. */
  file: string;
  line: number;
  /**
   * 1-based character column (UTF-16 code units, as editors count) in the
   * user's files once charColumns() ran; elsewhere gcc's byte column.
   */
  column: number;
  severity: Severity;
  message: string;
}

const GCC = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$/;
const MODPOST = /^(ERROR|WARNING): modpost: (.*)$/;
/** The assembler's own messages (an `asm(".incbin ...")` that fails). */
const GAS = /^(.+?):(\d+): (Error|Warning): (.*)$/;

/**
 * Parses gcc/kbuild output. `buildDir` is where the sources were compiled;
 * paths inside it are reported relative to it, so they name the user's files.
 */
export function parseDiagnostics(output: string, buildDir: string, mainFile: string): Diagnostic[] {
  const prefix = buildDir.endsWith('/') ? buildDir : `${buildDir}/`;
  const found: Diagnostic[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const gcc = GCC.exec(line);
    if (gcc) {
      const file = gcc[1]!.startsWith(prefix) ? gcc[1]!.slice(prefix.length) : gcc[1]!.replace(/^\.\//, '');
      const severity = gcc[4] === 'fatal error' ? 'error' : (gcc[4] as Severity);
      found.push({ file, line: Number(gcc[2]), column: Number(gcc[3] ?? 1), severity, message: gcc[5]! });
      continue;
    }
    const gas = GAS.exec(line);
    if (gas) {
      const file = gas[1]!.startsWith(prefix) ? gas[1]!.slice(prefix.length) : gas[1]!.replace(/^\.\//, '');
      found.push({ file, line: Number(gas[2]), column: 1, severity: gas[3] === 'Error' ? 'error' : 'warning', message: gas[4]! });
      continue;
    }
    const modpost = MODPOST.exec(line);
    if (modpost) {
      const message = modpost[2]!.split(prefix).join('');
      found.push({ file: mainFile, line: 1, column: 1, severity: modpost[1] === 'ERROR' ? 'error' : 'warning', message: `modpost: ${message}` });
    }
  }
  return found;
}

/**
 * The flag that makes gcc count columns in bytes. Since gcc 11 its default
 * unit is the display column (a tab advances to the next multiple of 8, a
 * CJK character counts 2), which only gcc's own width tables can undo;
 * bytes map to characters exactly, given the source. Older gcc and clang
 * count bytes anyway.
 */
export const GCC_BYTE_COLUMNS = '-fdiagnostics-column-unit=byte';

/**
 * Turns gcc's byte columns into character columns for the files `sourceOf`
 * can read (the copies that were compiled), so a marker lands on the exact
 * character after tabs and UTF-8 text; other files keep their column.
 */
export function charColumns(diagnostics: readonly Diagnostic[], sourceOf: (file: string) => Buffer | undefined): Diagnostic[] {
  const lines = new Map<string, Buffer[] | undefined>();
  const linesOf = (file: string): Buffer[] | undefined => {
    if (!lines.has(file)) lines.set(file, splitLines(sourceOf(file)));
    return lines.get(file);
  };
  return diagnostics.map((d) => {
    const text = linesOf(d.file)?.[d.line - 1];
    return text ? { ...d, column: byteToCharColumn(text, d.column) } : d;
  });
}

/** The 1-based character column of 1-based byte column `byteColumn` in one line's bytes. */
export function byteToCharColumn(line: Buffer, byteColumn: number): number {
  const bytes = Math.min(Math.max(0, byteColumn - 1), line.length);
  return line.subarray(0, bytes).toString('utf8').length + 1;
}

function splitLines(source: Buffer | undefined): Buffer[] | undefined {
  if (!source) return undefined;
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = source.indexOf(0x0a); i !== -1; i = source.indexOf(0x0a, start)) {
    lines.push(source.subarray(start, i));
    start = i + 1;
  }
  lines.push(source.subarray(start));
  return lines;
}

/** "kshram.c:12:5: error: ..." lines, for logs and reports. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}
