import { useEffect, useState } from 'react';

/** A panel's worth; the engine refuses more at once. */
export const MAX_WATCHES = 32;
const key = (workspace: string): string => `kshram-lab:watches:${workspace}`;

function load(workspace: string): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(workspace)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string').slice(0, MAX_WATCHES) : [];
  } catch {
    return [];
  }
}

/** The Watch panel's expressions, kept per workspace in the browser's storage across reloads and boots. */
export function useWatches(workspace: string): [string[], (next: string[]) => void] {
  const [watches, setWatches] = useState(() => load(workspace));
  useEffect(() => setWatches(load(workspace)), [workspace]);
  const update = (next: string[]): void => {
    const list = next.slice(0, MAX_WATCHES);
    setWatches(list);
    localStorage.setItem(key(workspace), JSON.stringify(list));
  };
  return [watches, update];
}
