import { useEffect, useRef, useState } from 'react';
import type { GradeProgress } from '../../../app/api';
import { monaco } from '../editor/monaco';

const storageKey = (dir: string): string => `kshram-lab:graded-sources:${dir}`;

/**
 * What the editor holds for the workspace in `dir` (every open file's
 * text, saved or not) as one FNV-1a hash; undefined before its files are
 * loaded.
 */
function sourcesHash(dir: string): string | undefined {
  const models = monaco.editor
    .getModels()
    .filter((m) => m.uri.path.startsWith(`${dir}/`))
    .sort((a, b) => a.uri.path.localeCompare(b.uri.path));
  if (!models.length) return undefined;
  let hash = 0x811c9dc5;
  for (const model of models) {
    for (const text of [model.uri.path, '\0', model.getValue(), '\0']) {
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    }
  }
  return (hash >>> 0).toString(16);
}

/**
 * True when the code in the editor is no longer what the shown grade
 * scored. The sources are noted when a grade starts (Grade saves every
 * file first), in the tab's session storage so a reload keeps them.
 */
export function useStaleGrade(dir: string | undefined, grade: GradeProgress | undefined): boolean {
  const [stale, setStale] = useState(false);
  const wasRunning = useRef(!!grade?.running);
  const running = !!grade?.running;
  const result = grade?.result;

  useEffect(() => {
    const started = running && !wasRunning.current;
    wasRunning.current = running;
    if (!dir || !started) return;
    const hash = sourcesHash(dir);
    if (hash) sessionStorage.setItem(storageKey(dir), hash);
    else sessionStorage.removeItem(storageKey(dir));
  }, [dir, running]);

  useEffect(() => {
    const graded = dir ? sessionStorage.getItem(storageKey(dir)) : null;
    if (!dir || !graded || running || !result) return setStale(false);
    const check = (): void => {
      const now = sourcesHash(dir);
      setStale(now !== undefined && now !== graded);
    };
    const watched: monaco.IDisposable[] = [];
    const watch = (model: monaco.editor.ITextModel): void => {
      if (model.uri.path.startsWith(`${dir}/`)) watched.push(model.onDidChangeContent(check));
    };
    monaco.editor.getModels().forEach(watch);
    const created = monaco.editor.onDidCreateModel((model) => {
      watch(model);
      check();
    });
    check();
    return () => {
      created.dispose();
      watched.forEach((w) => w.dispose());
    };
  }, [dir, running, result]);

  return stale;
}
