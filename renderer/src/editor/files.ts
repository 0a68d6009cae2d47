import type { EditorFile, LabClient, WorkspaceInfo } from '../../../app/api';
import { dropDraft, loadDraft, storeDraft } from './drafts';
import { languageOf, monaco } from './monaco';

/** Typing is saved as a draft after this pause, not on every keystroke. */
const DRAFT_DELAY_MS = 300;

export interface OpenFile {
  path: EditorFile;
  model: monaco.editor.ITextModel;
  /** The text as last read from or saved to disk. */
  saved: string;
  mtimeMs: number;
  exists: boolean;
}

/**
 * The workspace's files as Monaco models: what is on disk, what is being
 * edited, and the drafts that keep unsaved edits across a reload.
 */
export class EditorFiles {
  readonly files = new Map<EditorFile, OpenFile>();
  private readonly timers = new Map<EditorFile, number>();
  private disposed = false;
  /** A reload or a closed tab within DRAFT_DELAY_MS of the last keystroke would lose it: the page's end writes the drafts. */
  private readonly onPageHide = (): void => this.storeDrafts();

  constructor(
    private readonly client: LabClient,
    private readonly workspace: WorkspaceInfo,
    private readonly onChange: () => void,
  ) {
    window.addEventListener('pagehide', this.onPageHide);
  }

  /** Reads every tab's file; returns the files whose unsaved draft was restored. */
  async load(): Promise<EditorFile[]> {
    const restored: EditorFile[] = [];
    for (const { path } of this.workspace.files) {
      const file = await this.client.invoke('file.read', { path });
      if (this.disposed) return restored;
      const draft = loadDraft(this.workspace.dir, path);
      const text = draft && draft.content !== file.content ? draft.content : file.content;
      if (draft && text === draft.content) restored.push(path);
      else if (draft) dropDraft(this.workspace.dir, path);
      const uri = monaco.Uri.from({ scheme: 'file', path: `${this.workspace.dir}/${path}` });
      monaco.editor.getModel(uri)?.dispose();
      const model = monaco.editor.createModel(text, languageOf(path), uri);
      const open: OpenFile = { path, model, saved: file.content, mtimeMs: file.mtimeMs, exists: file.exists };
      model.onDidChangeContent(() => this.edited(open));
      this.files.set(path, open);
    }
    this.onChange();
    return restored;
  }

  isDirty(path: EditorFile): boolean {
    const file = this.files.get(path);
    return !!file && file.model.getValue() !== file.saved;
  }

  dirtyPaths(): EditorFile[] {
    return [...this.files.keys()].filter((p) => this.isDirty(p));
  }

  /** Saves one file (atomically, on the engine's side); the draft goes once it is on disk. */
  async save(path: EditorFile): Promise<void> {
    const file = this.files.get(path);
    if (!file) return;
    const content = file.model.getValue();
    const saved = await this.client.invoke('file.save', { path, content });
    file.saved = content;
    file.mtimeMs = saved.mtimeMs;
    file.exists = true;
    if (file.model.getValue() === content) {
      window.clearTimeout(this.timers.get(path));
      dropDraft(this.workspace.dir, path);
    }
    this.onChange();
  }

  async saveAll(): Promise<EditorFile[]> {
    const dirty = this.dirtyPaths();
    for (const path of dirty) await this.save(path);
    return dirty;
  }

  /** Back to the text on disk; the draft is deleted. */
  discard(path: EditorFile): void {
    const file = this.files.get(path);
    if (!file) return;
    file.model.setValue(file.saved);
    dropDraft(this.workspace.dir, path);
    this.onChange();
  }

  dispose(): void {
    this.disposed = true;
    window.removeEventListener('pagehide', this.onPageHide);
    // pending drafts are written now, so nothing typed is lost
    this.storeDrafts();
    for (const file of this.files.values()) file.model.dispose();
    this.files.clear();
  }

  /** Writes the pending drafts at once, instead of after the pause in typing. */
  private storeDrafts(): void {
    for (const timer of this.timers.values()) window.clearTimeout(timer);
    this.timers.clear();
    for (const file of this.files.values()) this.storeDraftOf(file);
  }

  /** A dirty file's draft is its text; a file edited back to what is on disk has none. */
  private storeDraftOf(file: OpenFile): void {
    if (this.isDirty(file.path)) storeDraft(this.workspace.dir, file.path, { content: file.model.getValue(), baseMtimeMs: file.mtimeMs, savedAt: Date.now() });
    else dropDraft(this.workspace.dir, file.path);
  }

  private edited(file: OpenFile): void {
    window.clearTimeout(this.timers.get(file.path));
    this.timers.set(
      file.path,
      window.setTimeout(() => {
        if (!this.disposed) this.storeDraftOf(file);
      }, DRAFT_DELAY_MS),
    );
    this.onChange();
  }
}
