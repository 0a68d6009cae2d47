import { parse } from 'shell-quote';

/** What we take from a course's qemu.sh; everything else there is ours to decide. */
export interface QemuScriptSettings {
  /** "96M", normalised to M or G. */
  memory?: string;
  cpu?: string;
  smp?: number;
  /** The kernel command line minus what our guest sets itself. */
  append?: string;
  machine?: string;
  /** Options we saw and deliberately did not keep, for the kit's description. */
  ignored: string[];
}

/** QEMU options that take a value, so their value is not mistaken for an option. */
const WITH_VALUE = new Set([
  '-m', '-smp', '-cpu', '-append', '-M', '-machine', '-kernel', '-initrd', '-serial', '-monitor', '-display', '-net', '-nic',
  '-netdev', '-device', '-drive', '-hda', '-hdb', '-cdrom', '-boot', '-accel', '-gdb', '-chardev', '-mon', '-name', '-rtc',
  '-object', '-vga', '-bios', '-L', '-qmp', '-pidfile', '-d', '-D', '-fsdev', '-virtfs', '-usbdevice', '-k', '-global',
]);
/** Kernel parameters our guest must own: its /init, consoles and crash behaviour. */
const OWN_PARAMETERS = /^(rdinit|init|console|panic|root)=/;
/** A sane guest: at least one CPU and no more than QEMU TCG can use well. */
const MAX_SMP = 16;

/**
 * Reads the qemu-system-x86_64 invocation of a course's qemu.sh. Parses
 * defensively: shell quoting and line continuations are understood,
 * variables are not expanded, and anything unclear is left to our
 * defaults rather than passed to QEMU.
 */
export function parseQemuScript(script: string): QemuScriptSettings {
  const settings: QemuScriptSettings = { ignored: [] };
  const joined = script.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const words = parse(line).map((token) => (typeof token === 'string' ? token : 'op' in token ? token.op : ''));
    const start = words.findIndex((word) => /(^|\/)qemu-system-\w+$/.test(word));
    if (start < 0) continue;
    readOptions(words.slice(start + 1), settings);
    break;
  }
  return settings;
}

function readOptions(words: string[], settings: QemuScriptSettings): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (['|', '||', '&&', ';', '&', '>', '<', '>>', '2>'].includes(word)) break;
    // QEMU accepts --option as well as -option
    const option = word.replace(/^--/, '-');
    if (!option.startsWith('-')) continue;
    const value = WITH_VALUE.has(option) ? words[++i] : undefined;
    if (value === undefined && WITH_VALUE.has(option)) break;
    switch (option) {
      case '-m':
        settings.memory = parseMemory(value!) ?? settings.memory;
        break;
      case '-smp':
        settings.smp = parseSmp(value!) ?? settings.smp;
        break;
      case '-cpu': {
        const model = value!.split(',')[0]!;
        // "host" exists only under KVM; under TCG the closest is "max"
        if (/^[\w.-]+$/.test(model)) settings.cpu = model === 'host' ? 'max' : model;
        break;
      }
      case '-append':
        settings.append = value!.split(/\s+/).filter((p) => p && !OWN_PARAMETERS.test(p)).join(' ');
        break;
      case '-M':
      case '-machine': {
        const type = value!.split(',').find((part) => !part.includes('=') || part.startsWith('type='))?.replace(/^type=/, '');
        if (type && /^[\w.-]+$/.test(type)) settings.machine = type;
        break;
      }
      case '-kernel':
      case '-initrd':
      case '-serial':
      case '-monitor':
      case '-display':
      case '-nographic':
      case '-no-reboot':
      case '-net':
      case '-nic':
      case '-enable-kvm':
      case '-accel':
        break; // ours: we boot our composed initramfs with our consoles, no network
      default:
        settings.ignored.push(value === undefined ? option : `${option} ${value}`);
    }
  }
}

/** "96M", "96", "1G", "size=96M" → "96M"/"1G"; QEMU's unit default is MiB. */
export function parseMemory(value: string): string | undefined {
  const size = value.split(',').map((p) => p.replace(/^size=/, ''))[0]!;
  const match = /^(\d+)([MG]?)(i?B)?$/i.exec(size.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] || 'M').toUpperCase();
  if (amount <= 0) return undefined;
  return `${amount}${unit}`;
}

function parseSmp(value: string): number | undefined {
  const parts = value.split(',');
  const count = parts[0]!.includes('=') ? parts.find((p) => p.startsWith('cpus='))?.slice(5) : parts[0];
  const n = Number(count);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_SMP) : undefined;
}

/** Size in MiB of a memory setting like "96M" or "1G". */
export function memoryMiB(memory: string): number {
  const match = /^(\d+)([MG])$/.exec(memory);
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'G' ? 1024 : 1);
}
