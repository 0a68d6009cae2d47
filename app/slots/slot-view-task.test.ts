import { describe, expect, it } from 'vitest';
import { slotViewBlame } from './slot-view-task.js';

describe('a crash under the slot view is called that', () => {
  it('names the device the helper was mapping and the handler', () => {
    expect(slotViewBlame('slot-view:3', 'kshram_mmap')).toBe("Not a program you ran: the workbench's slot view mapped /dev/kshram3 to show its bytes, and the slot view's mmap of /dev/kshram3 hit this bug — your mmap handler crashed (kshram_mmap).");
    expect(slotViewBlame('slot-view', undefined)).toMatch(/mmap of a \/dev\/kshram device hit this bug — your module crashed\.$/);
    expect(slotViewBlame('slot-view:0', 'kshram_open')).toMatch(/— your kshram_open crashed\.$/);
  });

  it('says nothing for the student\'s own programs', () => {
    expect(slotViewBlame('check_msg', 'kshram_mmap')).toBeUndefined();
    expect(slotViewBlame('slot-viewer', 'kshram_mmap')).toBeUndefined();
    expect(slotViewBlame(undefined, 'kshram_mmap')).toBeUndefined();
  });
});
