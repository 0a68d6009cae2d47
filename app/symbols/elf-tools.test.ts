import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleInfo, runElfTool } from './elf-tools.js';

/**
 * The one helper every host-side ELF read goes through: the tool sees
 * only its input (read-only, in the build's sandbox), refuses what is not
 * a plain file, and moduleInfo reads a module's .modinfo (the service's
 * vermagic check) with its values made safe to print.
 */
let work: string;
let object: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-elf-tools-'));
  await writeFile(join(work, 'm.c'), 'int kshram_answer(void) { return 42; }\n');
  // a .modinfo as kbuild writes it: NUL-separated key=value strings (one with a terminal escape)
  await writeFile(join(work, 'modinfo'), Buffer.from('license=GPL\0vermagic=6.1.0-57-amd64 SMP preempt mod_unload modversions \0name=kshram\0author=\x1b]0;pwned\x07\0vermagic=second one\0'));
  execFileSync('cc', ['-c', '-o', join(work, 'm.o'), join(work, 'm.c')]);
  object = join(work, 'kshram.ko');
  execFileSync('objcopy', ['--add-section', `.modinfo=${join(work, 'modinfo')}`, join(work, 'm.o'), object]);
  await chmod(object, 0o644);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('runElfTool and moduleInfo', () => {
  it('reads a module\'s .modinfo: vermagic for the service, the first of a repeated key, escapes shown', async () => {
    const info = await moduleInfo(object);
    expect(info.get('vermagic')).toBe('6.1.0-57-amd64 SMP preempt mod_unload modversions ');
    expect(info.get('name')).toBe('kshram');
    // readelf shows control characters in caret notation already; nothing raw either way
    expect(info.get('author')).toBe('^[]0;pwned^G');
  });

  it('shows the tool its input only: another host file is not there', async () => {
    const result = await runElfTool('readelf', ['-h', object, '/etc/hostname'], { inputs: [object], timeoutMs: 20_000 });
    expect(result.output).toContain('ELF Header');
    expect(result.output).toMatch(/'\/etc\/hostname': No such file/);
  });

  it('refuses a link, a FIFO and a missing file as input', async () => {
    const link = join(work, 'link.ko');
    await symlink('/etc/passwd', link);
    await expect(runElfTool('readelf', ['-h', link], { inputs: [link], timeoutMs: 20_000 })).rejects.toThrow(/is not a regular file \(it is a link\)/);
    const fifo = join(work, 'fifo.ko');
    execFileSync('mkfifo', [fifo]);
    await expect(moduleInfo(fifo)).rejects.toThrow(/is not a regular file, so it is not read/);
    await expect(moduleInfo(join(work, 'none.ko'))).rejects.toThrow(/does not exist/);
  });

  it('says what a file that is no ELF is', async () => {
    const text = join(work, 'notes.ko');
    await writeFile(text, 'just text\n', { mode: 0o644 });
    await expect(moduleInfo(text)).rejects.toThrow(/notes\.ko is not a readable ELF object: readelf: Error: .*notes\.ko: Failed to read file header/);
  });
});
