/** Compiler and modpost messages, located in the user's files where possible. */

export type Severity = 'error' | 'warning' | 'note' | 'info';

export interface Diagnostic {
  /** Workspace-relative ("kshram.c") when the file is the user's, else as printed. */
  file: string;
  line: number;
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

/** "kshram.c:12:5: error: ..." lines, for logs and reports. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}
