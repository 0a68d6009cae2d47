/**
 * What a completion row and its details pane say about an LSP item, the way
 * VS Code shows clangd's: the name, then the parameters, then the return
 * type on the right; the details pane gives the whole declaration.
 */
import type { CompletionItem } from 'vscode-languageserver-protocol';

/** Monaco's CompletionItemLabel and CompletionItem.detail, without Monaco (kept free of the DOM for unit tests). */
export interface CompletionText {
  label: { label: string; detail?: string; description?: string };
  /** The details pane's header: the declaration in full, then any further lines clangd sent (an #include it would add). */
  detail?: string;
}

/** clangd's mark before a name whose header it would #include on accepting (its IncludeIndicator.Insert). */
const INCLUDE_BULLET = /^•/;

export function completionText(item: CompletionItem): CompletionText {
  // clangd puts a space before labels to align them with its "•" (an #include would be added): the row keeps the bullet, the declaration not
  const name = item.label.trim();
  const signature = item.labelDetails?.detail;
  // clangd sends the return type as `detail` (its first line) and leaves labelDetails.description empty
  const [returnType = '', ...more] = (item.detail ?? '').split('\n');
  const description = item.labelDetails?.description || returnType || undefined;
  if (signature === undefined) return { label: { label: name, description }, detail: item.detail };
  // "void *" + "kzalloc": a pointer's star goes with the name, as in C
  const declaration = `${returnType}${returnType && !returnType.endsWith('*') ? ' ' : ''}${name.replace(INCLUDE_BULLET, '')}${signature}`;
  return { label: { label: name, detail: signature, description }, detail: [declaration, ...more].join('\n') };
}
