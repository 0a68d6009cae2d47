import { join } from 'node:path';
import { LabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { run } from '../process.js';

/**
 * The kernel's own .clang-format (Linux 6.1's, from Debian's linux-source-6.1),
 * shipped with the app: Debian's headers packages do not carry it.
 */
export const KERNEL_CLANG_FORMAT = join(projectRoot, 'resources', 'clang-format', 'kernel.clang-format');
/** Newest first, as for clangd. */
const CLANG_FORMAT_CANDIDATES = ['clang-format-19', 'clang-format-18', 'clang-format-17', 'clang-format-16', 'clang-format'];
/** A module source formats in well under a second. */
const FORMAT_TIMEOUT_MS = 20_000;

/** kshram.c formatted with the kernel's style; the text itself never touches the disk. */
export async function formatKernelStyle(content: string, fileName: string): Promise<string> {
  for (const tool of CLANG_FORMAT_CANDIDATES) {
    let result;
    try {
      result = await run(tool, [`--style=file:${KERNEL_CLANG_FORMAT}`, `--assume-filename=${fileName}`], { input: content, timeoutMs: FORMAT_TIMEOUT_MS });
    } catch {
      continue; // not installed under this name
    }
    if (result.code === 0) return result.output;
    throw new LabError('FORMAT_FAILED', `clang-format could not format ${fileName}: ${result.output.trim().slice(0, 300)}`);
  }
  throw new LabError('TOOLCHAIN_MISSING', 'clang-format is not installed, so the document cannot be formatted.', 'Install it with `sudo apt-get install clang-format-19` (or `npm run setup`).');
}
