import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver-protocol';
import { describe, expect, it } from 'vitest';
import { completionText } from './completion-label';

/** clangd-19's item for kzalloc when the client announces labelDetailsSupport (as recorded from it). */
const KZALLOC = { label: ' kzalloc', labelDetails: { detail: '(size_t size, gfp_t flags)' }, detail: 'void *', kind: CompletionItemKind.Function, insertTextFormat: InsertTextFormat.Snippet, insertText: 'kzalloc(${1:size_t size}, ${2:gfp_t flags})' };

describe('completionText', () => {
  it("shows clangd's function as name, parameters and return type, and declares it in full for the details pane", () => {
    expect(completionText(KZALLOC)).toEqual({ label: { label: 'kzalloc', detail: '(size_t size, gfp_t flags)', description: 'void *' }, detail: 'void *kzalloc(size_t size, gfp_t flags)' });
  });

  it("keeps clangd's #include mark on the name in the row, and its #include line under the declaration", () => {
    const item = { ...KZALLOC, label: '•copy_from_user', labelDetails: { detail: '(void *to, const void *from, unsigned long n)' }, detail: 'unsigned long\n#include <linux/uaccess.h>' };
    expect(completionText(item)).toEqual({
      label: { label: '•copy_from_user', detail: '(void *to, const void *from, unsigned long n)', description: 'unsigned long' },
      detail: 'unsigned long copy_from_user(void *to, const void *from, unsigned long n)\n#include <linux/uaccess.h>',
    });
  });

  it("prefers a server's own description, and leaves a variable's type as its detail", () => {
    expect(completionText({ ...KZALLOC, labelDetails: { detail: '(size_t size, gfp_t flags)', description: 'void * (slab)' } }).label.description).toBe('void * (slab)');
    expect(completionText({ label: ' kshram_slots', detail: 'struct kshram_slot[8]', kind: CompletionItemKind.Variable })).toEqual({ label: { label: 'kshram_slots', description: 'struct kshram_slot[8]' }, detail: 'struct kshram_slot[8]' });
  });

  it('a macro without a return type reads as its name and parameters', () => {
    expect(completionText({ label: ' kzalloc', labelDetails: { detail: '(...)' }, kind: CompletionItemKind.Text })).toEqual({ label: { label: 'kzalloc', detail: '(...)', description: undefined }, detail: 'kzalloc(...)' });
  });
});
