/**
 * Builds resources/kernel-doc/linux-6.1.json: the kernel-doc comments of the
 * exported functions a kshram module calls into, whose comments live in the
 * kernel's .c files (mm/memory.c's remap_pfn_range, ...) that no headers
 * package ships. Run once, by hand, where Debian's linux-source-6.1 is
 * installed, from its unpacked tree:
 *   tar -xJf /usr/src/linux-source-6.1.tar.xz -C /tmp
 *   npx tsx scripts/extract-kernel-doc.ts /tmp/linux-source-6.1
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot } from '../app/paths.js';

const SOURCE = process.argv[2] ?? '/tmp/linux-source-6.1';
/** The parts of the kernel a character-device module with mmap and /proc uses. */
const DIRS = [/\/mm\/[^/]+\.c$/, /\/fs\/(char_dev|seq_file|libfs|read_write|file)\.c$/, /\/fs\/proc\/(generic|root)\.c$/, /\/drivers\/base\/(core|class)\.c$/, /\/kernel\/(printk\/printk|module\/main)\.c$/, /\/lib\/(string|vsprintf|kstrtox|string_helpers)\.c$/, /\/ipc\/[^/]+\.c$/];
/** A kernel-doc comment (`/**` then ` * name() - summary`), then the definition it documents. */
const KERNEL_DOC = /\/\*\*\n \* ([A-Za-z_][A-Za-z0-9_]*)(?:\(\))?\s+-\s+([\s\S]*?)\n \*\/\n/g;

const docs: Record<string, { file: string; doc: string }> = {};
const wanted = (path: string): boolean => DIRS.some((re) => re.test(path));
for (const entry of readdirSync(SOURCE, { recursive: true, withFileTypes: true })) {
  const path = join(entry.parentPath, entry.name);
  const file = relative(SOURCE, path);
  if (!entry.isFile() || !wanted(`/${file}`)) continue;
  const text = readFileSync(path, 'utf8');
  for (const m of text.matchAll(KERNEL_DOC)) {
    const name = m[1]!;
    const body = `${name} - ${m[2]!}`
      .split('\n')
      .map((l) => l.replace(/^ \* ?/, ''))
      .join('\n')
      .trim();
    // only documented functions other files may call (exported ones)
    if (new RegExp(`EXPORT_SYMBOL(_GPL)?\\(${name}\\)`).test(text)) docs[name] ??= { file, doc: body };
  }
}
const sorted = Object.fromEntries(Object.entries(docs).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(projectRoot, 'resources', 'kernel-doc', 'linux-6.1.json'), `${JSON.stringify({ source: 'Debian linux-source-6.1 (Linux 6.1), kernel-doc comments of exported functions; GPL-2.0 like the kernel', docs: sorted }, null, 1)}\n`);
console.log(`${Object.keys(sorted).length} functions`);
