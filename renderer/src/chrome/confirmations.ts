import type { VmStatus } from '../../../app/api';
import { isVmLive } from '../vm/phases';

/** What the student's VM is, in words, or undefined when there is none to stop. */
function liveVm(vm: VmStatus): string | undefined {
  if (!isVmLive(vm.phase)) return undefined;
  if (vm.phase === 'crashed') return 'your crashed VM (the kernel report stays in the terminal)';
  if (vm.phase === 'running') return 'your running VM (whatever you started in its console ends)';
  return 'the VM that is starting';
}

/** Asked before Grade stops the student's VM; undefined when nothing would be stopped. */
export function gradeQuestion(vm: VmStatus): string | undefined {
  const what = liveVm(vm);
  return what && `Grade stops ${what} and boots a fresh one, as the course server grades on a cold boot. Grade now?`;
}

/** Asked before opening another workspace; undefined when nothing would be lost or stopped. */
export function leaveQuestion(dirty: readonly string[], vm: VmStatus): string | undefined {
  const what = liveVm(vm);
  const parts = [
    what && `Opening another workspace stops ${what}.`,
    dirty.length && `${dirty.join(', ')} ha${dirty.length > 1 ? 've' : 's'} unsaved changes; they are kept as drafts for this workspace.`,
  ].filter(Boolean);
  return parts.length ? `${parts.join(' ')} Switch workspaces anyway?` : undefined;
}
