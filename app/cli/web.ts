import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { LabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { startWebServer } from '../server/server.js';
import { LabSession } from '../session/session.js';
import { WorkbenchSubmit } from '../submit/workbench-submit.js';
import type { Template } from '../api/contract.js';
import { handleError } from './errors.js';
import { kitOption } from './options.js';
import { ensureWorkspaceDir, TEMPLATES } from './workspace-arg.js';

interface WebFlags {
  port: number;
  kit?: string;
  template?: Template;
  allowRoot?: boolean;
}

/**
 * As Jupyter does: the workbench as root hands whoever holds its URL a
 * root gdb (its `shell` and `python` commands), root builds and a root
 * QEMU, so it is refused unless asked for (a throwaway container, CI).
 */
export function refuseRoot(allowRoot: boolean | undefined, uid = process.getuid?.()): void {
  if (uid !== 0 || allowRoot) return;
  throw new LabError(
    'BAD_ARGUMENT',
    "Running the web workbench as root is not recommended: whoever has its URL gets gdb's shell and python, builds and QEMU, all as root.",
    'Run it as an ordinary user. Where root is all there is (a throwaway container, CI), add --allow-root (npm run web -- --allow-root).',
  );
}

export function webCommand(): Command {
  return new Command('web')
    .description('serve the workbench to a browser on this machine (127.0.0.1 only, with a secret token in the URL)')
    .argument('[dir]', 'workspace folder with kshram.c to open (else choose one in the UI); created from a template when it has no kshram.c')
    .addOption(new Option('--template <name>', 'create DIR from this template when it has no kshram.c (on a terminal you are asked)').choices(TEMPLATES))
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').default(0).argParser(parsePort))
    .addOption(kitOption())
    .option('--allow-root', 'serve even when running as root (a throwaway container, CI): the URL then gives root gdb, builds and QEMU')
    .action(async (dir: string | undefined, flags: WebFlags) => {
      try {
        refuseRoot(flags.allowRoot);
        const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
        const workspace = dir === undefined ? undefined : await ensureWorkspaceDir(dir, flags.template);
        const session = new LabSession({ workspace, kit: flags.kit, version });
        await session.init();
        const submit = new WorkbenchSubmit(session);
        const server = await startWebServer({ session, port: flags.port, host: { submit: submit.handlers() } });
        process.stdout.write(`kshram lab workbench: ${pc.bold(server.url)}\n`);
        process.stdout.write(pc.dim('Open it in a browser on this machine. Ctrl-C stops the server and any VM it runs.\n'));
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          submit.dispose();
          void Promise.all([session.dispose(), server.close()]).finally(() => process.exit(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (err) {
        handleError(err);
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}
