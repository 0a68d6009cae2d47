import { LabError } from '../errors.js';

export type VmOperationKind = 'boot' | 'grade';

/**
 * The VM-owning operation in flight (a boot until its guest is up, a grade
 * until it ends), claimed before the first await: a second one (a double
 * click is enough) is answered BUSY instead of racing it.
 */
export class VmOperation {
  private running: VmOperationKind | undefined;

  get current(): VmOperationKind | undefined {
    return this.running;
  }

  /** Throws BUSY when another operation runs; `asked` says what was asked for ("booting"). */
  check(asked: string): void {
    if (this.running) throw busy(this.running, asked);
  }

  /** Runs `work` as the one VM-owning operation. */
  async run<T>(kind: VmOperationKind, asked: string, work: () => Promise<T>): Promise<T> {
    this.check(asked);
    this.running = kind;
    try {
      return await work();
    } finally {
      this.running = undefined;
    }
  }
}

function busy(running: VmOperationKind, asked: string): LabError {
  const what = running === 'boot' ? 'The VM is booting' : 'A grade is running in its own VM';
  return new LabError('BUSY', `${what}: wait for it before ${asked}.`, running === 'grade' ? 'Wait for the grade to finish, or cancel it.' : 'Wait for the boot to finish, or stop the VM.');
}
