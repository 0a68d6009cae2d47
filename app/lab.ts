/**
 * The lab's fixed facts, mirroring module/kshram.c and kshram.h: what the
 * grader checks and the slot view draws. Change them there and here together.
 */

/** KSHRAM_SLOTS: the module creates /dev/kshram0..7. */
export const KSHRAM_SLOTS = 8;
/** KSHRAM_DEFAULT_SIZE: every slot's size after a load. */
export const KSHRAM_DEFAULT_SIZE = 4096;
export const KSHRAM_PROC = '/proc/kshram';
/** The device of slot `index`: "/dev/kshram3". */
export const kshramDevice = (index: number): string => `/dev/kshram${index}`;
/** Every slot's device, in order. */
export const KSHRAM_DEVICES: readonly string[] = Array.from({ length: KSHRAM_SLOTS }, (_, i) => kshramDevice(i));
