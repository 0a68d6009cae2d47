import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

/**
 * The kernel-doc comments of exported kernel functions whose documentation
 * sits in a .c file no headers package ships (remap_pfn_range's is in
 * mm/memory.c), taken from Linux 6.1 by scripts/extract-kernel-doc.ts. A
 * hover shows one when clangd, reading only headers, has none.
 */
export const KERNEL_DOC_FILE = join(projectRoot, 'resources', 'kernel-doc', 'linux-6.1.json');
const KERNEL_DOC_VERSION = 'Linux 6.1';

export interface KernelDoc {
  name: string;
  doc: string;
  /** Where the comment is: mm/memory.c (Linux 6.1). */
  source: string;
}

let table: Promise<Record<string, { file: string; doc: string }>> | undefined;

export async function kernelDoc(name: string): Promise<KernelDoc | null> {
  table ??= readFile(KERNEL_DOC_FILE, 'utf8')
    .then((text) => (JSON.parse(text) as { docs: Record<string, { file: string; doc: string }> }).docs)
    .catch(() => ({}));
  const entry = Object.prototype.hasOwnProperty.call(await table, name) ? (await table)[name] : undefined;
  return entry ? { name, doc: entry.doc, source: `${entry.file} (${KERNEL_DOC_VERSION})` } : null;
}
