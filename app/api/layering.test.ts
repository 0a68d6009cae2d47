import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';

/** The rules that make the layering; the type-aware rules are `npm run lint`'s job, not this test's. */
const LAYERING_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-imports', 'no-restricted-globals', 'local/app-floors']);
// the snippets below are files of no tsconfig: parsed without type information
const eslint = new ESLint({ cwd: projectRoot, overrideConfig: { languageOptions: { parserOptions: { project: null } } }, ruleFilter: ({ ruleId }) => LAYERING_RULES.has(ruleId) });

/** Lints `code` as if it were the file at `path`; returns the messages of the layering rules. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(projectRoot, path) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layering rules (ARCHITECTURE.md)', () => {
  it('keeps Electron, UI code and the DOM out of the engine', async () => {
    expect(await lint('app/x.ts', "import { app } from 'electron';\n")).toEqual([expect.stringMatching(/no-restricted-imports: .*app\/ is the engine/)]);
    expect(await lint('app/x.ts', "import '../renderer/src/App';\n")).toEqual([expect.stringMatching(/app\/ imports only app\/ and packages/), expect.stringMatching(/never imports main\/ or renderer\//)]);
    expect(await lint('app/x.ts', 'export const t = document.title;\n')).toEqual([expect.stringMatching(/no-restricted-globals: .*no DOM/)]);
    expect(await lint('app/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([]);
  });

  it('keeps the workbench and the service pages apart, sharing renderer/shared', async () => {
    expect(await lint('renderer/src/submit/x.tsx', "import { Header } from '../../service/src/common/Header';\nexport const h = Header;\n")).toEqual([expect.stringMatching(/workbench \(renderer\/src\) never imports/)]);
    expect(await lint('renderer/service/src/ta/x.tsx', "import { App } from '../../../src/App';\nexport const a = App;\n")).toEqual([expect.stringMatching(/pages never import the workbench/)]);
    expect(await lint('renderer/shared/grade/x.tsx', "import { App } from '../../src/App';\nexport const a = App;\n")).toEqual([expect.stringMatching(/imports neither/)]);
    expect(await lint('renderer/src/submit/x.tsx', "import { Xterm } from '../../shared/terminal/Xterm';\nimport type { Me } from '../../../app/service/contract';\nexport const x = Xterm;\nexport type M = Me;\n")).toEqual([]);
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

  it('refuses an import that would close a circle between app/ folders, type imports included', async () => {
    // build imports kit (a build needs a kit's headers); kit importing build back would make a circle
    expect(await lint('app/build/x.ts', "import type { Kit } from '../kit/kit.js';\nexport type K = Kit;\n")).toEqual([]);
    expect(await lint('app/kit/x.ts', "import type { Toolchain } from '../build/toolchain.js';\nexport type T = Toolchain;\n")).toEqual([
      expect.stringMatching(/app-floors: app\/kit\/ \(floor 1\) may not import app\/build\/ \(floor 2\).*ARCHITECTURE\.md/),
    ]);
    // the three two-way pairs and the contract, each refused in the direction that was cut
    expect(await lint('app/agent/x.ts', "import type { Vm } from '../vm/vm.js';\nexport type V = Vm;\n")).toEqual([expect.stringMatching(/may not import app\/vm\//)]);
    expect(await lint('app/guest-run/x.ts', "import { gradeSubmission } from '../grade/runner.js';\nexport const g = gradeSubmission;\n")).toEqual([expect.stringMatching(/may not import app\/grade\//)]);
    expect(await lint('app/workspace/x.ts', "import type { WorkspaceInfo } from '../api/contract.js';\nexport type W = WorkspaceInfo;\n")).toEqual([expect.stringMatching(/may not import app\/api\//)]);
    // folders on one floor do not import each other either
    expect(await lint('app/guest/x.ts', "import { runSymbols } from '../symbols/run-symbols.js';\nexport const r = runSymbols;\n")).toEqual([expect.stringMatching(/may not import app\/symbols\//)]);
  });

  it('sees every kind of import, knows every folder, and lets tests reach up', async () => {
    expect(await lint('app/vm/x.ts', "export const c = import('../cli/kits.js');\n")).toEqual([expect.stringMatching(/may not import app\/cli\//)]);
    expect(await lint('app/vm/x.ts', "export type S = import('../grade/checklist.js').ItemStatus;\n")).toEqual([expect.stringMatching(/may not import app\/grade\//)]);
    expect(await lint('app/vm/x.ts', "export type { ItemStatus } from '../grade/checklist.js';\n")).toEqual([expect.stringMatching(/may not import app\/grade\//)]);
    expect(await lint('app/newfolder/x.ts', "import { LabError } from '../errors.js';\nexport const e = LabError;\n")).toEqual([expect.stringMatching(/app\/newfolder\/ stands on no floor/)]);
    expect(await lint('app/grade/x.ts', "import { VARIANTS } from '../../test/corpus/variants.js';\nexport const v = VARIANTS;\n")).toEqual([expect.stringMatching(/app\/ imports only app\/ and packages/)]);
    expect(await lint('app/errors.x.ts', "import { LabSession } from './session/session.js';\nexport const s = LabSession;\n")).toEqual([expect.stringMatching(/the files directly in app\/ \(floor 0\) may not import app\/session\//)]);
    expect(await lint('app/vm/x.test.ts', "import { gradeSubmission } from '../grade/runner.js';\nexport const g = gradeSubmission;\n")).toEqual([]);
  });

  it('holds for the code as it is', async () => {
    const results = await eslint.lintFiles(['app', 'main', 'renderer', 'e2e']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line}: ${m.message}`));
    expect(problems).toEqual([]);
  });
});
