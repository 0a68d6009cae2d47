import { execFileSync } from 'node:child_process';

/** Every VM a test starts must be gone when the tests end: fail the run otherwise. */
function runningVms(): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'qemu-system.*kshram-vm-'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function setup(): void {
  const before = runningVms();
  if (before.length) console.warn(`QEMU processes from before the tests:\n${before.join('\n')}`);
}

export function teardown(): void {
  const left = runningVms();
  if (left.length) throw new Error(`QEMU left running after the tests:\n${left.join('\n')}`);
}
