/**
 * clangd's configuration, written as the "user" config of a clangd whose
 * XDG_CONFIG_HOME is a private folder in the user cache (the workspace
 * gets no .clangd file). It removes the gcc-only flags kbuild passes that
 * clang rejects or warns about, so diagnostics are the code's, not the
 * command line's.
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

export function clangdConfigYaml(): string {
  return [
    '# Written by kshram lab (app/lsp/clangd-config.ts); rewritten at every start.',
    'CompileFlags:',
    `  Remove: [${GCC_ONLY_FLAGS.join(', ')}]`,
    'Diagnostics:',
    // kernel headers are included for their side effects all the time
    '  UnusedIncludes: None',
    '  MissingIncludes: None',
    'Completion:',
    '  AllScopes: Yes',
    '',
  ].join('\n');
}
