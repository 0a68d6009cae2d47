import type { VmPhase } from '../../../app/api';

/**
 * The phases in which the student has a VM (coming up, up, or crashed
 * with its report on screen): Boot is Stop then, a Grade or a workspace
 * switch would end it, and a failed save-build leaves its console in view.
 */
export const VM_LIVE_PHASES: ReadonlySet<VmPhase> = new Set(['building', 'booting', 'running', 'crashed']);

export const isVmLive = (phase: VmPhase): boolean => VM_LIVE_PHASES.has(phase);
