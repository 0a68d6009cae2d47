import type { MiChannel } from './mi-channel.js';
import { addSymbolFileCommand, removeSymbolFileCommand, sameSections, type SectionMap } from '../symbols/sections.js';

/**
 * kshram.ko's symbols in gdb at the addresses the guest put the module at.
 * One load at a time: a new load (a reload, or the init hook's load with
 * .init.text) first removes the previous one, else gdb would hold two
 * copies of every function and a breakpoint would resolve to both.
 */
export class SymbolLoader {
  private loaded: SectionMap | undefined;

  constructor(
    private readonly mi: MiChannel,
    /** The .ko gdb reads (symbol-file.ts). */
    private readonly koPath: string,
  ) {}

  /** Where the loaded symbols are, or undefined when none are. */
  get sections(): SectionMap | undefined {
    return this.loaded;
  }

  /** True when `sections` are what gdb has already (an unchanged module). */
  holds(sections: SectionMap | undefined): boolean {
    return sameSections(sections, this.loaded);
  }

  /**
   * Replaces the loaded symbols with those at `sections` (none: the module
   * was unloaded). The guest must be stopped: gdb cannot read symbols into
   * a running remote target.
   */
  async swap(sections: SectionMap | undefined): Promise<void> {
    const old = this.loaded;
    this.loaded = sections;
    // the old file may be gone from gdb already (a `remove-symbol-file` typed in the console)
    if (old) await this.mi.console(removeSymbolFileCommand(old)).catch(() => undefined);
    if (sections) await this.mi.console(addSymbolFileCommand(this.koPath, sections));
  }
}
