import type { Handlers } from '../api/dispatch.js';
import { LabError } from '../errors.js';
import { formatKernelStyle } from '../lsp/format.js';
import { kernelDoc } from '../lsp/kernel-doc.js';
import type { LabSession } from './session.js';

/** The workbench's Submit to the course service (app/submit, a floor above): its commands. */
export type SubmitHandlers = Pick<Handlers, 'submit.settings' | 'submit.configure' | 'submit.forget' | 'submit.run' | 'submit.history' | 'submit.open'>;

/** What only the host can do: Electron shows a native folder dialog, web mode cannot; both set up Submit. */
export interface HostFeatures {
  pickFolder?: () => Promise<string | null>;
  submit?: SubmitHandlers;
}

const submitMissing = (): never => {
  throw new LabError('BAD_ARGUMENT', 'Submit is not set up in this window.', 'Start the workbench with `kshram-lab web` or `npm start`.');
};

/** Every API command, bound to a session. Both transports dispatch into this. */
export function sessionHandlers(session: LabSession, host: HostFeatures = {}): Handlers {
  return {
    'app.info': () => session.info(!!host.pickFolder),
    'app.state': () => session.state(),
    'env.status': ({ refresh }) => session.envStatus(refresh),
    'kits.select': ({ name }) => session.selectKit(name),
    'workspace.open': ({ dir }) => session.openWorkspace(dir),
    'workspace.create': ({ dir, template }) => session.createWorkspace(dir, template),
    'workspace.recent': () => session.recent(),
    'workspace.pick': () => {
      if (!host.pickFolder) throw new LabError('BAD_ARGUMENT', 'This window cannot show a folder dialog.', 'Type the folder\'s path instead.');
      return host.pickFolder();
    },
    'file.read': ({ path }) => session.readFile(path),
    'file.save': ({ path, content }) => session.saveFile(path, content),
    'build.run': () => session.build(),
    'vm.boot': ({ cols, rows, loadModule, checked }) => session.boot({ cols, rows, loadModule, checked }),
    'vm.stop': () => session.stop(),
    'vm.reloadModule': () => session.reloadModule(),
    'console.input': ({ data }) => session.consoleInput(data),
    'console.resize': ({ cols, rows }) => session.consoleResize(cols, rows),
    'console.ack': ({ chars }) => session.consoleAck(chars),
    'slots.snapshot': () => session.slotsSnapshot(),
    'grade.run': ({ checked }) => session.grade(checked),
    'grade.cancel': () => session.cancelGrade(),
    'debug.boot': ({ cols, rows, loadModule, wait }) => session.boot({ cols, rows, loadModule, debug: { wait, cols, rows } }),
    'debug.input': ({ data }) => session.debugInput(data),
    'debug.resize': ({ cols, rows }) => session.debugResize(cols, rows),
    'debug.ack': ({ chars }) => session.debugAck(chars),
    'debug.control': ({ action }) => session.debugControl(action),
    'debug.toggleBreakpoint': ({ file, line }) => session.debugToggleBreakpoint(file, line),
    'debug.variables': ({ frame }) => session.gdb().variables(frame),
    'debug.children': ({ ref }) => session.gdb().children(ref),
    'debug.memory': ({ address, length }) => session.gdb().memory(address, length),
    'debug.evaluate': ({ frame, expression }) => session.gdb().evaluate(frame, expression),
    'debug.watch': ({ frame, expressions }) => session.gdb().watch(frame, expressions),
    'lsp.start': () => session.lsp.start(),
    'lsp.send': ({ generation, message }) => session.lsp.send(generation, message),
    'lsp.readFile': ({ uri }) => session.lsp.readFile(uri),
    'lsp.format': ({ path, content }) => formatKernelStyle(content, path),
    'lsp.kernelDoc': ({ name }) => kernelDoc(name),
    'submit.settings': (args) => (host.submit ?? submitMissing())['submit.settings'](args),
    'submit.configure': (args) => (host.submit ?? submitMissing())['submit.configure'](args),
    'submit.forget': (args) => (host.submit ?? submitMissing())['submit.forget'](args),
    'submit.run': (args) => (host.submit ?? submitMissing())['submit.run'](args),
    'submit.history': (args) => (host.submit ?? submitMissing())['submit.history'](args),
    'submit.open': (args) => (host.submit ?? submitMissing())['submit.open'](args),
  };
}
