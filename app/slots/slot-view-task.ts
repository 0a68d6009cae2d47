/**
 * The slot view's helper runs in the guest as "slot-view:N" while it maps
 * /dev/kshramN (resources/guest/slot-view.c). When a kernel report names
 * that task, the crash came from the workbench's own look at the slots,
 * and the student must be told so in plain words: they never ran it.
 */
const SLOT_VIEW_TASK = /^slot-view(?::(\d+))?$/;

/** Plain words for a crash under the slot view's helper; undefined for any other task. */
export function slotViewBlame(task: string | undefined, yourFunction: string | undefined): string | undefined {
  const match = task ? SLOT_VIEW_TASK.exec(task) : null;
  if (!match) return undefined;
  const device = match[1] === undefined ? 'a /dev/kshram device' : `/dev/kshram${match[1]}`;
  const handler = yourFunction ? (/mmap/.test(yourFunction) ? `your mmap handler crashed (${yourFunction})` : `your ${yourFunction} crashed`) : 'your module crashed';
  return `Not a program you ran: the workbench's slot view mapped ${device} to show its bytes, and the slot view's mmap of ${device} hit this bug — ${handler}.`;
}
