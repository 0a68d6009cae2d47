import { toErrorData } from '../errors.js';
import { COMMANDS, type CommandName, type CommandResult, type ParsedArgs } from './contract.js';
import type { Reply } from './wire.js';

/** One handler per command, receiving validated arguments. */
export type Handlers = { [K in CommandName]: (args: ParsedArgs<K>) => Promise<CommandResult<K>> | CommandResult<K> };

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/**
 * The boundary both transports call: checks the command name and its
 * arguments against the contract, runs the handler, and turns every
 * outcome (including a thrown LabError) into a plain Reply.
 */
export async function dispatch(handlers: Handlers, name: unknown, args: unknown): Promise<Reply> {
  if (!isCommandName(name)) {
    return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Unknown command ${JSON.stringify(String(name)).slice(0, 80)}.`, suggestion: 'The UI and the engine are from different versions; reload the page or restart the app.' } };
  }
  const parsed = COMMANDS[name].safeParse(args ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
    return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Invalid arguments for ${name}: ${problems}.` } };
  }
  try {
    const handler = handlers[name] as (a: unknown) => unknown;
    const value = await handler(parsed.data);
    return { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}
