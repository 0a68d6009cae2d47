import { Command } from 'commander';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import pc from 'picocolors';
import { create as createTar } from 'tar';
import { LabError } from '../errors.js';
import { formatItemLine, formatReport } from '../grade/report-text.js';
import type { GradeReport } from '../grade/runner.js';
import { call, waitForResult } from '../service/client.js';
import { ServiceApi } from '../service/http-client.js';
import type { LiveEvent } from '../service/contract.js';
import { EXIT_NOT_FULL_MARKS, EXIT_OK, handleError } from './errors.js';
import { kitOption } from './options.js';

/** What of a module folder is sent: its sources, never build products. */
const SOURCE_FILE = /^(?:.*\.[ch]|Makefile|Kbuild)$/;

interface SubmitFlags {
  server: string;
  token: string;
  json?: boolean;
  kit?: string;
}

export function submitCommand(): Command {
  return new Command('submit')
    .description('submit to a course service (kshram-lab serve) and wait for the result, printed as grade prints it')
    .argument('<path>', 'a module folder (its sources are sent), an archive (.tar.gz, .zip), a kshram.c or a kshram.ko')
    .requiredOption('--server <url>', "the service's address, e.g. http://lab.example.edu:8080")
    .requiredOption('--token <token>', 'your token (from your TA)')
    .option('--json', 'print the result as JSON (the same object as grade --json)')
    .addOption(kitOption().argParser((value: string) => value))
    .action(async (path: string, flags: SubmitFlags) => {
      try {
        const api = serviceApi(flags.server, flags.token);
        const info = await call(() => api.info());
        if (flags.kit && flags.kit !== info.kit) {
          throw new LabError('BAD_ARGUMENT', `${flags.server} grades on ${info.kit} (Linux ${info.kernelRelease}), not ${flags.kit}.`, `Leave --kit out, or build for ${info.kit}: kshram-lab build DIR --kit ${info.kit}`);
        }
        const upload = await readUpload(path);
        const { submission, duplicate } = await call(() => api.submit(new Blob([upload.data]), upload.fileName));
        const status = (text: string): void => void (flags.json ? undefined : process.stderr.write(pc.dim(`${text}\n`)));
        status(duplicate ? `already submitted as ${submission.id}; waiting for its result` : `submitted ${upload.fileName} as ${submission.id}`);
        let position: number | undefined;
        const detail = await waitForResult(api, flags.token, submission.id, (event: LiveEvent) => {
          if (flags.json) return;
          if (event.name === 'submission.state' && event.payload.state === 'queued' && event.payload.position !== position) {
            position = event.payload.position;
            status(`queued: position ${position}`);
          } else if (event.name === 'grade.stage' && event.payload.stage !== 'done') status(`· ${event.payload.detail}`);
          else if (event.name === 'grade.itemEnd') process.stdout.write(`${formatItemLine(event.payload.item)}\n`);
        });
        if (detail.state === 'error' || !detail.result) {
          const error = detail.error ?? { code: 'INTERNAL' as const, message: 'The service finished without a result.' };
          throw new LabError(error.code, error.message, error.suggestion);
        }
        const report = detail.result as unknown as GradeReport;
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const text = formatReport(report);
          // the item lines were printed live; print the rest
          process.stdout.write(`${text.split('\n').filter((line) => !report.items.some((item) => line === formatItemLine(item))).join('\n')}\n`);
        }
        process.exitCode = report.total === report.max ? EXIT_OK : EXIT_NOT_FULL_MARKS;
      } catch (err) {
        handleError(err, { json: flags.json });
      }
    });
}

function serviceApi(server: string, token: string): ServiceApi {
  try {
    return new ServiceApi(server, token);
  } catch {
    throw new LabError('BAD_ARGUMENT', `--server ${server} is not an http:// or https:// address.`, 'e.g. --server http://lab.example.edu:8080');
  }
}

/** The file to upload: a file as it is, a folder as a .tar.gz of its sources. */
async function readUpload(path: string): Promise<{ fileName: string; data: Buffer }> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new LabError('SUBMISSION_INVALID', `There is no ${resolve(path)}.`, 'Give a module folder, a kshram.c, an archive or a kshram.ko.');
  if (!info.isDirectory()) return { fileName: basename(path), data: await readFile(path) };
  const files = (await readdir(path, { withFileTypes: true })).filter((entry) => entry.isFile() && SOURCE_FILE.test(entry.name)).map((entry) => entry.name);
  if (!files.includes('kshram.c')) throw new LabError('SUBMISSION_INVALID', `${resolve(path)} has no kshram.c.`, 'Give the folder that holds your kshram.c.');
  const chunks: Buffer[] = [];
  const stream = createTar({ gzip: true, cwd: path, portable: true }, files.sort());
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { fileName: `${basename(resolve(path)) || 'module'}.tar.gz`, data: Buffer.concat(chunks) };
}
