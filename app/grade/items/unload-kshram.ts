import type { ItemContext } from './context.js';
import type { ItemOutcome } from './outcome.js';
import { firstWords, kernelThreads } from './probes.js';
import { TIMEOUTS } from '../../timeouts.js';

/** An unload's outcome, and what it left behind (empty unless it passed). */
export interface UnloadResult {
  outcome: ItemOutcome;
  leftovers: string[];
}

/** rmmod kshram; what it leaves behind (nodes, /proc entry, class, numbers, threads) becomes notes. */
export async function unloadKshram({ recorder, state, notes }: ItemContext, which: string): Promise<UnloadResult> {
  const failed = async (summary: string): Promise<UnloadResult> => ({ outcome: await recorder.finish(false, summary), leftovers: [] });
  const rmmod = await recorder.sh('rmmod kshram', TIMEOUTS.rmmodMs);
  if (rmmod.status !== 0) return failed(`rmmod kshram failed (exit ${rmmod.status})${firstWords(rmmod)}: the module did not unload`);
  const probe = await recorder.sh('grep -c "^kshram " /proc/modules; grep -c " kshram$" /proc/devices; ls -d /dev/kshram* /proc/kshram /sys/class/kshram 2>/dev/null; true', TIMEOUTS.probeMs, { quiet: true, label: 'looking for what rmmod left' });
  const [loaded, regions, ...left] = probe.output.trim().split('\n').map((l) => l.trim());
  if (Number(loaded)) return failed('rmmod kshram returned 0 but the module is still loaded');
  const nodes = left.filter((p) => p.startsWith('/dev/'));
  const found: string[] = [];
  if (nodes.length) {
    found.push(nodes.length > 2 ? `${nodes.length} /dev/kshram* nodes` : nodes.join(', '));
    notes.push(`${which}: ${nodes.length} /dev/kshram* node(s) left after unload (device_destroy missing?)`);
  }
  if (left.includes('/proc/kshram')) {
    found.push('/proc/kshram');
    notes.push(`${which}: /proc/kshram left after unload (remove_proc_entry missing?)`);
  }
  if (left.includes('/sys/class/kshram')) {
    found.push('the kshram device class');
    notes.push(`${which}: the kshram device class left after unload (class_destroy missing?)`);
  }
  if (Number(regions)) {
    found.push('the kshram character device numbers');
    notes.push(`${which}: the kshram character device numbers are still registered in /proc/devices (unregister_chrdev_region missing?)`);
  }
  if (state.threadsBeforeLoad) {
    const before = state.threadsBeforeLoad;
    const running = [...(await kernelThreads(recorder))].filter((thread) => !before.has(thread)).map((thread) => thread.split(' ').slice(1).join(' '));
    // a thread the module started runs module code, which rmmod has just freed
    if (running.length) notes.push(`${which}: kernel thread(s) started while kshram was loaded still run after rmmod: ${running.join(', ')} (kthread_stop missing?)`);
  }
  return { outcome: await recorder.finish(true, 'kshram unloaded; the system is still running'), leftovers: found };
}
