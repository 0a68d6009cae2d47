/** Folders this deep show whole; deeper ones as …/parent/name (an absolute path, never one that reads as relative). */
const WHOLE_PATH_SEGMENTS = 3;

export function shortPath(dir: string): string {
  const parts = dir.split('/').filter(Boolean);
  return parts.length <= WHOLE_PATH_SEGMENTS ? `/${parts.join('/')}` : `…/${parts.slice(-2).join('/')}`;
}
