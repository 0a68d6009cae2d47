import { useEffect, useState } from 'react';
import type { GradeProgress } from '../../../app/api';
import { sourcesDigest } from '../../../app/api/sources-digest';
import { monaco } from '../editor/monaco';

const inWorkspace = (dir: string, model: monaco.editor.ITextModel): boolean => model.uri.path.startsWith(`${dir}/`);

/**
 * The digest of what the editor holds for the workspace in `dir` (saved
 * or not), as the engine computes it for a grade; undefined before the
 * workspace's files are loaded.
 */
function editorDigest(dir: string): string | undefined {
  const models = new Map(
    monaco.editor
      .getModels()
      .filter((m) => inWorkspace(dir, m))
      .map((m) => [m.uri.path.slice(dir.length + 1), m] as const),
  );
  let complete = true;
  const digest = sourcesDigest((path) => {
    const model = models.get(path);
    if (!model) complete = false;
    return model?.getValue() ?? '';
  });
  return complete ? digest : undefined;
}

/**
 * True when the code in the editor is no longer what the shown grade
 * scored. The engine notes the sources' digest when a grade starts (Grade
 * saves every file first), so a reload, another tab or a return to the
 * workspace still knows which code a score is for.
 */
export function useStaleGrade(dir: string | undefined, grade: GradeProgress | undefined): boolean {
  const [stale, setStale] = useState(false);
  const graded = grade?.running ? undefined : grade?.sourcesDigest;

  useEffect(() => {
    if (!dir || !graded) return setStale(false);
    const check = (): void => {
      const now = editorDigest(dir);
      setStale(now !== undefined && now !== graded);
    };
    const watched: monaco.IDisposable[] = [];
    const watch = (model: monaco.editor.ITextModel): void => {
      if (inWorkspace(dir, model)) watched.push(model.onDidChangeContent(check));
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
  }, [dir, graded]);

  return stale;
}
