/**
 * The Monaco contributions the language features need, beyond the ones
 * monaco.ts loads for plain editing: the suggest widget and snippets,
 * parameter hints, go to / peek definition and references, quick fixes,
 * formatting, the outline (Ctrl+Shift+O) and the read-only message.
 * monaco.ts imports this before its first monaco.editor call: the services
 * these contributions need (suggest memories...) are only picked up before.
 */
import 'monaco-editor/features/codeAction/register';
import 'monaco-editor/features/documentSymbols/register';
import 'monaco-editor/features/format/register';
import 'monaco-editor/features/gotoSymbol/register';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/quickOutline/register';
import 'monaco-editor/features/readOnlyMessage/register';
import 'monaco-editor/features/referenceSearch/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/suggest/register';
// 0.57's suggest/register brings only inline completions; the suggest widget itself is this contribution
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
