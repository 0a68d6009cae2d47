import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Template } from '../api/contract.js';
import { LabError } from '../errors.js';
import { createWorkspace } from '../workspace/templates.js';
import { expandHome } from '../workspace/workspace.js';

export const TEMPLATES: readonly Template[] = ['starter', 'reference'];

/** What a yes/no question is answered with: a template, or no. */
type Answer = Template | 'no';

/**
 * The folder named on the command line, made a workspace if it is not one
 * yet: from `template` when given, else after asking on a terminal (the
 * starter by default). Without a terminal nothing is guessed: the user is
 * told to pass --template. Returns the folder to open.
 */
export async function ensureWorkspaceDir(dir: string, template: Template | undefined, interactive = !!(process.stdin.isTTY && process.stdout.isTTY)): Promise<string> {
  const target = resolve(expandHome(dir));
  if (existsSync(resolve(target, 'kshram.c'))) return target;
  const what = existsSync(target) ? `${target} has no kshram.c` : `${target} does not exist`;
  let chosen = template;
  if (!chosen && interactive) {
    const answer = await ask(`${what}. Create a workspace there from the starter skeleton? [Y/n, r: the reference module] `);
    if (answer === 'no') throw new LabError('WORKSPACE_INVALID', `Nothing created: ${what}.`, 'Name a folder with your kshram.c, or answer y to create one.');
    chosen = answer;
  }
  if (!chosen) {
    throw new LabError('WORKSPACE_INVALID', `${what}.`, `Add --template starter (the skeleton with TODOs) or --template reference to create it, or name the folder that holds your kshram.c.`);
  }
  await createWorkspace(target, chosen);
  process.stdout.write(`Created ${target} from the ${chosen === 'starter' ? 'starter skeleton' : 'reference module'}.\n`);
  return target;
}

async function ask(question: string): Promise<Answer> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const reply = (await rl.question(question)).trim().toLowerCase();
      if (reply === '' || reply === 'y' || reply === 'yes') return 'starter';
      if (reply === 'r' || reply === 'reference') return 'reference';
      if (reply === 'n' || reply === 'no') return 'no';
    }
  } finally {
    rl.close();
  }
}
