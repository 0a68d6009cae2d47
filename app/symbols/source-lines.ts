import { readFile } from 'node:fs/promises';

/** Longer quoted lines are cut: a quote is a reminder of the line, not the line's full text. */
const MAX_QUOTE_CHARS = 120;

/**
 * Quotes lines of the sources a module was built from (the private copy
 * the build compiled, so the quote matches the .ko even when the student
 * has edited the file since). Each file is read once.
 */
export class SourceLines {
  private readonly files = new Map<string, Promise<string[] | undefined>>();

  /** Line `line` (1-based) of `path`, trimmed; undefined when the file or line is missing. */
  async quote(path: string, line: number): Promise<string | undefined> {
    const text = (await this.lines(path))?.[line - 1]?.trim();
    if (!text) return undefined;
    return text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS - 1)}…` : text;
  }

  /** Lines `line - around` .. `line + around` of `path` as they are (tabs kept), with the first one's number. */
  async excerpt(path: string, line: number, around: number): Promise<{ firstLine: number; lines: string[] } | undefined> {
    const all = await this.lines(path);
    if (!all || line < 1 || line > all.length) return undefined;
    const firstLine = Math.max(1, line - around);
    return { firstLine, lines: all.slice(firstLine - 1, Math.min(all.length, line + around)) };
  }

  private lines(path: string): Promise<string[] | undefined> {
    let lines = this.files.get(path);
    if (!lines) {
      lines = readFile(path, 'utf8').then(
        (text) => text.split('\n'),
        () => undefined,
      );
      this.files.set(path, lines);
    }
    return lines;
  }
}
