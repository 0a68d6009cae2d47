import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { loadKit, type Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { buildModule } from './module.js';
import { buildGuestPrograms } from './programs.js';
import { NativeToolchain } from './toolchain.js';

/**
 * Real kbuild in the real sandbox (no QEMU): what a submission may try to
 * read on the grader's machine stays out of the build, its messages and
 * its module; runaway compilers are bounded.
 */
const SECRET = 'kshram-sandbox-test-secret-7f3a9c';
const toolchain = new NativeToolchain();
let kit: Kit;
let scratch: string;
let secretPath: string;

beforeAll(async () => {
  kit = await loadKit();
  scratch = await mkdtemp(join(tmpdir(), 'kshram-sandbox-test-'));
  await mkdir(join(scratch, 'private'));
  secretPath = join(scratch, 'private', 'secret.txt');
  await writeFile(secretPath, `${SECRET}\n`);
  await chmod(secretPath, 0o600);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function workspace(name: string, source: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir);
  await writeFile(join(dir, 'kshram.c'), source);
  for (const [file, content] of Object.entries(extra)) await writeFile(join(dir, file), content);
  return dir;
}

const build = (dir: string) => buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, compat: false });

describe('the build sandbox', () => {
  it('refuses an .incbin of a 0600 file outside the submission, naming the path, and its content appears nowhere', async () => {
    const dir = await workspace(
      'incbin',
      `#include <linux/module.h>
asm(".section .rodata\\n.global kshram_blob\\nkshram_blob:\\n.incbin \\"${secretPath}\\"\\n.byte 0\\n.previous");
extern const char kshram_blob[];
static int __init kshram_init(void) { pr_info("%s\\n", kshram_blob); return 0; }
module_init(kshram_init);
MODULE_LICENSE("GPL");
`,
    );
    const result = await build(dir);
    expect(result.ok).toBe(false);
    const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(errors.some((m) => m.includes(secretPath) && /outside the build sandbox/.test(m))).toBe(true);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  }, 120_000);

  it('refuses #include of a host file: the compiler does not see it', async () => {
    const dir = await workspace('include', `#include "${secretPath}"\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n`);
    const result = await build(dir);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.some((d) => d.severity === 'error' && d.message.includes(secretPath))).toBe(true);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  }, 120_000);

  it('answers a host file and a missing path alike (no existence oracle): one message, decided by the sandbox\'s view', async () => {
    const missing = join(scratch, 'private', 'no-such-file.txt');
    const said = async (path: string): Promise<string[]> => {
      const result = await build(await workspace(`oracle-${path.length}-${Date.now()}`, `#include "${path}"\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n`));
      expect(result.ok).toBe(false);
      return result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message.split(path).join('PATH'));
    };
    const [present, absent] = [await said(secretPath), await said(missing)];
    expect(present).toEqual(absent);
    expect(present).toContain("PATH is outside the build sandbox: a build sees only your module's folder, the kit's build tree and the compiler");
  }, 120_000);

  it('refuses a kshram.h that links outside the folder', async () => {
    const dir = await workspace('link', '#include "kshram.h"\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n');
    await symlink(secretPath, join(dir, 'kshram.h'));
    const error = await build(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toMatch(/kshram\.h is a link to .*outside/);
  });

  it('bounds a compiler that grows without end (#include "/dev/zero") by its memory limit', async () => {
    const dir = await workspace('devzero', '#include "/dev/zero"\n');
    const started = Date.now();
    const result = await build(dir);
    expect(result.ok).toBe(false);
    // 1 GiB at a few hundred MB/s, not until the machine runs out of memory or the 120 s timeout
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it('has no network and runs as an unprivileged user', async () => {
    const dir = await mkdtemp(join(scratch, 'probe-'));
    const result = await toolchain.exec(['sh', '-c', 'id -u; ls /sys/class/net 2>/dev/null | tr "\\n" " "; echo; cat /etc/passwd; ls /root'], { cwd: dir, mounts: [], writable: [dir], timeoutMs: 30_000 });
    const [uid, net] = result.output.split('\n');
    if (process.getuid?.() === 0) expect(uid).toBe('65534');
    expect(net!.trim()).toMatch(/^(lo)?$/);
    expect(result.output).toMatch(/\/etc\/passwd: No such file/);
    expect(result.output).not.toContain('root:x:0:0');
  });

  it("builds custom check programs in the sandbox too: a check program cannot read the grader's files", async () => {
    const checks = join(scratch, 'checks');
    await mkdir(checks);
    for (const name of ['check_msg', 'check_resize', 'check_fork']) await writeFile(join(checks, `${name}.c`), name === 'check_msg' ? `#include "${secretPath}"\nint main(void) { return 0; }\n` : 'int main(void) { return 0; }\n');
    const error = await buildGuestPrograms(toolchain, checks).then(
      () => undefined,
      (err: unknown) => err as LabError,
    );
    expect(error?.code).toBe('BUILD_FAILED');
    expect(error?.message).toContain(`${secretPath}: No such file`);
    expect(error?.message).not.toContain(SECRET);
    expect(await readFile(secretPath, 'utf8')).toContain(SECRET);
  }, 240_000);
});
