/** kshram-lab: the command line. Each command lives in cli/, the work in the engine. */
import { Command } from 'commander';
import { enterProcessScope } from './lifecycle.js';

// children die and run folders go on every way out (lifecycle.ts)
enterProcessScope();

/**
 * Each command's module, loaded only when it runs: together they import
 * the whole engine (the course service's queue client, the web server),
 * ~1.5 s of a `kshram-lab boot` start here when all load, against ~0.5 s
 * for boot's own. Help (no command, or one not known) loads them all.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  grade: async () => (await import('./cli/grade.js')).gradeCommand(),
  boot: async () => (await import('./cli/boot.js')).bootCommand(),
  kits: async () => (await import('./cli/kits.js')).kitsCommand(),
  stress: async () => (await import('./cli/stress.js')).stressCommand(),
  web: async () => (await import('./cli/web.js')).webCommand(),
  build: async () => (await import('./cli/build.js')).buildCommand(),
  serve: async () => (await import('./cli/serve.js')).serveCommand(),
  worker: async () => (await import('./cli/worker.js')).workerCommand(),
  token: async () => (await import('./cli/token.js')).tokenCommand(),
  submit: async () => (await import('./cli/submit.js')).submitCommand(),
};

const program = new Command('kshram-lab').description('Build, boot and grade the kshram kernel-module lab').showHelpAfterError();
const asked = process.argv[2];
const load = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [COMMANDS[asked]!] : Object.values(COMMANDS);
for (const command of await Promise.all(load.map((make) => make()))) program.addCommand(command);

await program.parseAsync(process.argv);
