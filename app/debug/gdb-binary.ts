/** The gdb the debug boot runs (Debian's by default; KSHRAM_LAB_GDB names another). */
export const GDB_BINARY = process.env.KSHRAM_LAB_GDB ?? 'gdb';
