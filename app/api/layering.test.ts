import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';

/** The rules that make the layering; the type-aware rules are `npm run lint`'s job, not this test's. */
const LAYERING_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-globals']);
// the snippets below are files of no tsconfig: parsed without type information
const eslint = new ESLint({ cwd: projectRoot, overrideConfig: { languageOptions: { parserOptions: { project: null } } }, ruleFilter: ({ ruleId }) => LAYERING_RULES.has(ruleId) });

/** Lints `code` as if it were the file at `path`; returns the messages of the layering rules. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(projectRoot, path) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layering rule (STYLE 1)', () => {
  it('keeps Electron, UI code and the DOM out of the engine', async () => {
    expect(await lint('app/x.ts', "import { app } from 'electron';\n")).toEqual([expect.stringMatching(/no-restricted-imports: .*app\/ is the engine/)]);
    expect(await lint('app/x.ts', "import '../renderer/src/App';\n")).toHaveLength(1);
    expect(await lint('app/x.ts', 'export const t = document.title;\n')).toEqual([expect.stringMatching(/no-restricted-globals: .*no DOM/)]);
    expect(await lint('app/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([]);
  });

  it('lets the renderer see the engine only through the API types', async () => {
    expect(await lint('renderer/src/x.ts', "import type { LabClient } from '../../app/api';\nexport type C = LabClient;\n")).toEqual([]);
    expect(await lint('renderer/src/x.ts', "import { WS_PATH } from '../../app/api/channels';\nexport const p = WS_PATH;\n")).toEqual([]);
    expect(await lint('renderer/src/x.ts', "import { COMMANDS } from '../../app/api';\nexport const c = COMMANDS;\n")).toEqual([expect.stringMatching(/only types from app\/api/)]);
    expect(await lint('renderer/src/x.ts', "import { LabSession } from '../../app/session/session';\nexport const s = LabSession;\n")).toEqual([expect.stringMatching(/only through the API/)]);
    expect(await lint('renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).toEqual([expect.stringMatching(/sandboxed page/)]);
    expect(await lint('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n")).toEqual([expect.stringMatching(/sandboxed page/)]);
  });

  it('keeps main/ glue and the preload narrow', async () => {
    expect(await lint('main/x.ts', "import { App } from '../renderer/src/App';\nexport const a = App;\n")).toEqual([expect.stringMatching(/main\/ is glue/)]);
    expect(await lint('main/preload/x.ts', "import { LabSession } from '../../app/session/session';\nexport const s = LabSession;\n")).toEqual([expect.stringMatching(/exposes the API and nothing else/)]);
  });

  it('holds for the code as it is', async () => {
    const results = await eslint.lintFiles(['app', 'main', 'renderer', 'e2e']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line}: ${m.message}`));
    expect(problems).toEqual([]);
  });
});
