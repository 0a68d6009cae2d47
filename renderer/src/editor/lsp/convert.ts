/**
 * LSP shapes to Monaco's and back. LSP counts lines and UTF-16 columns
 * from 0, Monaco from 1.
 */
import { CompletionItemKind, DiagnosticSeverity, DiagnosticTag, InsertTextFormat, MarkupContent, SymbolKind, type CompletionItem, type Diagnostic, type DocumentSymbol, type Location, type LocationLink, type MarkedString, type Position, type Range, type SymbolInformation, type TextEdit } from 'vscode-languageserver-protocol';
import { monaco } from '../monaco';
import { completionText } from './completion-label';

export const toPosition = (p: monaco.IPosition): Position => ({ line: p.lineNumber - 1, character: p.column - 1 });

export const toMonacoRange = (r: Range): monaco.IRange => ({ startLineNumber: r.start.line + 1, startColumn: r.start.character + 1, endLineNumber: r.end.line + 1, endColumn: r.end.character + 1 });

export const toRange = (r: monaco.IRange): Range => ({ start: { line: r.startLineNumber - 1, character: r.startColumn - 1 }, end: { line: r.endLineNumber - 1, character: r.endColumn - 1 } });

export function toMarkdown(value: MarkupContent | MarkedString | MarkedString[] | string | undefined): monaco.IMarkdownString[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => toMarkdown(v));
  if (typeof value === 'string') return [{ value }];
  if (MarkupContent.is(value)) return [{ value: value.kind === 'markdown' ? value.value : `\`\`\`\n${value.value}\n\`\`\`` }];
  return [{ value: `\`\`\`${value.language}\n${value.value}\n\`\`\`` }];
}

const COMPLETION_KINDS: Record<number, monaco.languages.CompletionItemKind> = {
  [CompletionItemKind.Text]: monaco.languages.CompletionItemKind.Text,
  [CompletionItemKind.Method]: monaco.languages.CompletionItemKind.Method,
  [CompletionItemKind.Function]: monaco.languages.CompletionItemKind.Function,
  [CompletionItemKind.Constructor]: monaco.languages.CompletionItemKind.Constructor,
  [CompletionItemKind.Field]: monaco.languages.CompletionItemKind.Field,
  [CompletionItemKind.Variable]: monaco.languages.CompletionItemKind.Variable,
  [CompletionItemKind.Class]: monaco.languages.CompletionItemKind.Class,
  [CompletionItemKind.Interface]: monaco.languages.CompletionItemKind.Interface,
  [CompletionItemKind.Module]: monaco.languages.CompletionItemKind.Module,
  [CompletionItemKind.Property]: monaco.languages.CompletionItemKind.Property,
  [CompletionItemKind.Unit]: monaco.languages.CompletionItemKind.Unit,
  [CompletionItemKind.Value]: monaco.languages.CompletionItemKind.Value,
  [CompletionItemKind.Enum]: monaco.languages.CompletionItemKind.Enum,
  [CompletionItemKind.Keyword]: monaco.languages.CompletionItemKind.Keyword,
  [CompletionItemKind.Snippet]: monaco.languages.CompletionItemKind.Snippet,
  [CompletionItemKind.File]: monaco.languages.CompletionItemKind.File,
  [CompletionItemKind.Folder]: monaco.languages.CompletionItemKind.Folder,
  [CompletionItemKind.EnumMember]: monaco.languages.CompletionItemKind.EnumMember,
  [CompletionItemKind.Constant]: monaco.languages.CompletionItemKind.Constant,
  [CompletionItemKind.Struct]: monaco.languages.CompletionItemKind.Struct,
  [CompletionItemKind.TypeParameter]: monaco.languages.CompletionItemKind.TypeParameter,
};

export function toCompletion(item: CompletionItem, defaultRange: monaco.IRange): monaco.languages.CompletionItem {
  const edit = item.textEdit;
  const range = !edit ? defaultRange : 'range' in edit ? toMonacoRange(edit.range) : { insert: toMonacoRange(edit.insert), replace: toMonacoRange(edit.replace) };
  const snippet = item.insertTextFormat === InsertTextFormat.Snippet;
  const { label, detail } = completionText(item);
  return {
    label,
    kind: COMPLETION_KINDS[item.kind ?? CompletionItemKind.Text] ?? monaco.languages.CompletionItemKind.Text,
    detail,
    documentation: item.documentation === undefined ? undefined : toMarkdown(item.documentation)[0],
    insertText: edit?.newText ?? item.insertText ?? label.label,
    insertTextRules: snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
    filterText: item.filterText,
    sortText: item.sortText,
    preselect: item.preselect,
    range,
    additionalTextEdits: item.additionalTextEdits?.map(toEdit),
  };
}

export const toEdit = (e: TextEdit): monaco.languages.TextEdit => ({ range: toMonacoRange(e.range), text: e.newText });

export function toLocations(result: Location | Location[] | LocationLink[] | null): Array<{ uri: string; range: Range; origin?: Range }> {
  if (!result) return [];
  const list = Array.isArray(result) ? result : [result];
  return list.map((l) => ('targetUri' in l ? { uri: l.targetUri, range: l.targetSelectionRange, origin: l.originSelectionRange } : { uri: l.uri, range: l.range }));
}

export function toMarker(d: Diagnostic): monaco.editor.IMarkerData {
  const severity = { [DiagnosticSeverity.Error]: monaco.MarkerSeverity.Error, [DiagnosticSeverity.Warning]: monaco.MarkerSeverity.Warning, [DiagnosticSeverity.Information]: monaco.MarkerSeverity.Info, [DiagnosticSeverity.Hint]: monaco.MarkerSeverity.Hint }[d.severity ?? DiagnosticSeverity.Error];
  const tags = d.tags?.map((t) => (t === DiagnosticTag.Unnecessary ? monaco.MarkerTag.Unnecessary : monaco.MarkerTag.Deprecated));
  return { ...toMonacoRange(d.range), severity, message: typeof d.message === 'string' ? d.message : d.message.value, source: 'clangd', code: typeof d.code === 'string' || typeof d.code === 'number' ? String(d.code) : undefined, tags };
}

const SYMBOL_KINDS: Partial<Record<SymbolKind, monaco.languages.SymbolKind>> = {
  [SymbolKind.Function]: monaco.languages.SymbolKind.Function,
  [SymbolKind.Variable]: monaco.languages.SymbolKind.Variable,
  [SymbolKind.Struct]: monaco.languages.SymbolKind.Struct,
  [SymbolKind.Class]: monaco.languages.SymbolKind.Class,
  [SymbolKind.Enum]: monaco.languages.SymbolKind.Enum,
  [SymbolKind.EnumMember]: monaco.languages.SymbolKind.EnumMember,
  [SymbolKind.Field]: monaco.languages.SymbolKind.Field,
  [SymbolKind.Constant]: monaco.languages.SymbolKind.Constant,
  [SymbolKind.TypeParameter]: monaco.languages.SymbolKind.TypeParameter,
};

export function toSymbols(list: DocumentSymbol[] | SymbolInformation[] | null): monaco.languages.DocumentSymbol[] {
  const one = (s: DocumentSymbol | SymbolInformation): monaco.languages.DocumentSymbol => {
    const range = 'location' in s ? s.location.range : s.range;
    return {
      name: s.name,
      detail: 'detail' in s ? (s.detail ?? '') : '',
      kind: SYMBOL_KINDS[s.kind] ?? monaco.languages.SymbolKind.Variable,
      tags: [],
      range: toMonacoRange(range),
      selectionRange: toMonacoRange('selectionRange' in s ? s.selectionRange : range),
      children: 'children' in s ? s.children?.map(one) : undefined,
    };
  };
  return (list ?? []).map(one);
}
