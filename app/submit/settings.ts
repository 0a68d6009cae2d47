import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { stateDir } from '../paths.js';

/** The token is a password: the file is the user's alone, in a folder that is the user's alone. */
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
/** Bits that would let anyone but the owner read or change the file. */
const NOT_OWNER_ONLY = 0o077;

export const settingsPath = (): string => join(stateDir(), 'service.json');

const StoredSchema = z.object({
  url: z.string(),
  token: z.string().min(1),
  student: z.string().optional(),
  role: z.enum(['student', 'ta']).optional(),
});

/** What Submit keeps per user: the service, the token, and whose token the service said it is. */
export type StoredSettings = z.infer<typeof StoredSchema>;

/**
 * The stored settings, or undefined when there are none (or the file is not
 * ours to trust). A file someone made readable by others is made private
 * again before it is used.
 */
export async function loadSettings(): Promise<StoredSettings | undefined> {
  const path = settingsPath();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const info = await stat(path);
  if (info.mode & NOT_OWNER_ONLY) await chmod(path, PRIVATE_FILE);
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function saveSettings(settings: StoredSettings): Promise<void> {
  await mkdir(stateDir(), { recursive: true, mode: PRIVATE_DIR });
  await writeFileAtomic(settingsPath(), `${JSON.stringify(settings, null, 2)}\n`, { mode: PRIVATE_FILE });
}

export async function forgetSettings(): Promise<void> {
  await rm(settingsPath(), { force: true });
}
