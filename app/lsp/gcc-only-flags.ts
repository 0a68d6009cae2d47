/**
 * The gcc-only flags kbuild passes that clang rejects or warns about,
 * removed from the command clangd is given (compile_commands.json), so
 * diagnostics are the code's, not the command line's. A pattern ending in
 * `*` matches every flag it starts, as clangd's `CompileFlags: Remove`
 * would; clangd itself reads no configuration file (clangd.ts).
 */
export const GCC_ONLY_FLAGS = [
  // retpoline, return thunks, straight-line speculation: gcc spellings
  '-mindirect-branch=*',
  '-mindirect-branch-register',
  '-mindirect-branch-cs-prefix',
  '-mfunction-return=*',
  '-mharden-sls=*',
  // code generation clang does not implement
  '-fno-allow-store-data-races',
  '-fconserve-stack',
  '-mskip-rax-setup',
  '-mpreferred-stack-boundary=*',
  '-mrecord-mcount',
  '-falign-jumps=*',
  '-falign-loops=*',
  '-fno-ipa-*',
  '-fmin-function-alignment=*',
  '-fzero-init-padding-bits=*',
  // ftrace instrumentation: irrelevant to reading code
  '-pg',
  '-mfentry',
  // gcc's warning switches clang does not know ("unknown warning option")
  '-Wimplicit-fallthrough=*',
  '-Werror=designated-init',
  '-Wno-packed-not-aligned',
  '-Wno-format-overflow',
  '-Wno-format-truncation',
  '-Wno-dangling-pointer',
  '-Wno-stringop-*',
  '-Wno-restrict',
  '-Wno-maybe-uninitialized',
  '-Wno-alloc-size-larger-than',
  '-Wno-missing-field-initializers',
  '-Wno-unterminated-string-initialization',
  '-Wno-override-init',
  '-Werror=date-time',
];

/** `args` without the flags clang does not know (GCC_ONLY_FLAGS). */
export function withoutGccOnlyFlags(args: readonly string[]): string[] {
  return args.filter((arg) => !GCC_ONLY_FLAGS.some((flag) => (flag.endsWith('*') ? arg.startsWith(flag.slice(0, -1)) : arg === flag)));
}
