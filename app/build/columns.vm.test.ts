import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { loadKit, DEFAULT_KIT, type Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { byteToCharColumn, charColumns, GCC_BYTE_COLUMNS, parseDiagnostics } from './diagnostics.js';
import { buildModule } from './module.js';
import { NativeToolchain } from './toolchain.js';

/**
 * gcc's columns on tab-indented kernel code with UTF-8 text (a student's
 * comments in their own language) land on the exact character: the one
 * an editor's column counts.
 */
/** The character column (1-based, UTF-16 code units) where `token` starts on the line holding `lineText`. */
const columnOf = (source: string, lineText: string, token: string): { line: number; column: number } => {
  const lines = source.split('\n');
  const index = lines.findIndex((l) => l.includes(lineText));
  if (index < 0) throw new Error(`not in the source: ${lineText}`);
  return { line: index + 1, column: lines[index]!.indexOf(token) + 1 };
};

describe('byte columns to character columns', () => {
  it('counts a tab as one character and a UTF-8 sequence as its UTF-16 length', () => {
    const line = Buffer.from('\t\t/* 測試 😀 */ x = ;');
    // bytes: 2 tabs, "/* " 3, 測 3, 試 3, " " 1, 😀 4, " */ x = " 8
    expect(byteToCharColumn(line, 1)).toBe(1);
    expect(byteToCharColumn(line, 3)).toBe(3);
    expect(byteToCharColumn(line, 2 + 3 + 3 + 1)).toBe(2 + 3 + 1 + 1); // just after 測
    expect(byteToCharColumn(line, line.length + 1)).toBe('\t\t/* 測試 😀 */ x = ;'.length + 1);
    expect(byteToCharColumn(line, 500)).toBe('\t\t/* 測試 😀 */ x = ;'.length + 1);
  });

  it('leaves files it has no source for alone', () => {
    const d = { file: '/usr/src/x.h', line: 3, column: 17, severity: 'note' as const, message: 'm' };
    expect(charColumns([d], () => undefined)).toEqual([d]);
  });
});

describe("gcc's diagnostics on tab-indented code, compiled for real", () => {
  let dir: string;
  const source = ['int f(int x)', '{', '\tif (x)', '\t\treturn x +; /* 測試 */', '\t/* 註解 */ return undefined_name;', '}', ''].join('\n');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kshram-columns-'));
    await writeFile(join(dir, 'f.c'), source);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const compile = async (flags: string[]): Promise<string> => {
    return (await runOwned('gcc', [...flags, '-fdiagnostics-color=never', '-c', 'f.c', '-o', '/dev/null'], { cwd: dir })).stderr;
  };

  it('lands on the token gcc means, after tabs and UTF-8 text', async () => {
    const output = await compile([GCC_BYTE_COLUMNS]);
    const diagnostics = charColumns(parseDiagnostics(output, dir, 'f.c'), (file) => (file === 'f.c' ? Buffer.from(source) : undefined));
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(({ line, column }) => ({ line, column }))).toEqual([columnOf(source, 'return x +;', ';'), columnOf(source, 'undefined_name', 'undefined_name')]);
  });

  it("is needed: gcc's default display columns count a tab as up to 8", async () => {
    const output = await compile([]);
    const first = parseDiagnostics(output, dir, 'f.c').find((d) => d.severity === 'error')!;
    expect(first.column).not.toBe(columnOf(source, 'return x +;', ';').column);
  });
});

describe('a module build reports character columns', () => {
  let kit: Kit | undefined;
  beforeAll(async () => {
    kit = await loadKit(DEFAULT_KIT).catch(() => undefined);
  });

  it('puts an error in a tab-indented line of kshram.c on its character', async (context) => {
    if (!kit) return context.skip();
    const reference = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
    const anchor = '\treturn 0;\n}';
    expect(reference).toContain(anchor);
    const source = reference.replace(anchor, '\t/* 測試 */ return kshram_nonexistent;\n}');
    const dir = await mkdtemp(join(tmpdir(), 'kshram-columns-kbuild-'));
    try {
      await writeFile(join(dir, 'kshram.c'), source);
      const result = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain: new NativeToolchain(), workDir: join(dir, 'build') });
      const error = result.diagnostics.find((d) => d.severity === 'error' && d.message.includes('kshram_nonexistent'));
      expect(error).toMatchObject({ file: 'kshram.c', ...columnOf(source, 'return kshram_nonexistent', 'kshram_nonexistent') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
