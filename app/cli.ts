/** kshram-lab: the command line. Each command lives in cli/, the work in the engine. */
import { Command } from 'commander';
import { bootCommand } from './cli/boot.js';
import { buildCommand } from './cli/build.js';
import { gradeCommand } from './cli/grade.js';
import { kitsCommand } from './cli/kits.js';
import { serveCommand } from './cli/serve.js';
import { stressCommand } from './cli/stress.js';
import { submitCommand } from './cli/submit.js';
import { tokenCommand } from './cli/token.js';
import { webCommand } from './cli/web.js';
import { workerCommand } from './cli/worker.js';
import { enterProcessScope } from './lifecycle.js';

// children die and run folders go on every way out (lifecycle.ts)
enterProcessScope();

const program = new Command('kshram-lab')
  .description('Build, boot and grade the kshram kernel-module lab')
  .showHelpAfterError()
  .addCommand(gradeCommand())
  .addCommand(bootCommand())
  .addCommand(kitsCommand())
  .addCommand(stressCommand())
  .addCommand(webCommand())
  .addCommand(buildCommand())
  .addCommand(serveCommand())
  .addCommand(workerCommand())
  .addCommand(tokenCommand())
  .addCommand(submitCommand());

await program.parseAsync(process.argv);
