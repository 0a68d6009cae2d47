/** How often a condition is looked at again. */
const POLL_MS = 50;

/**
 * Waits until `check` gives something truthy, polling, and returns it;
 * fails naming `what` after `ms`. Tests wait for what they need this way,
 * never for a fixed time that a busy host may not honour.
 */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
