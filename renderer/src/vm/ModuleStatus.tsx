import type { VmStatus } from '../../../app/api';
import './vm.css';

interface Props {
  vm: VmStatus;
  /** rmmod + insmod of the newest build, through the agent. */
  onReload(): void;
}

const time = (ms: number): string => new Date(ms).toLocaleTimeString();

/**
 * Which build of kshram.ko the running guest has loaded, and when a newer
 * build is ready in it (a build made while the VM runs reaches the guest
 * at once): one click reloads it. What the last reload did stays beside
 * it when it failed.
 */
export function ModuleStatus({ vm, onReload }: Props) {
  const module = vm.module;
  if (vm.phase !== 'running' || !module) return null;
  const { loaded, ready, reloading, lastReload } = module;
  const newer = loaded === undefined || ready > loaded;
  const failed = lastReload && !lastReload.ok ? lastReload : undefined;
  const heldBack = module.heldBack !== undefined && module.heldBack > ready ? module.heldBack : undefined;
  const loadedText = loaded !== undefined ? `kshram.ko as built at ${time(loaded)} is loaded in the guest` : 'kshram.ko is not loaded in the guest';
  return (
    <span className={`module-status${newer ? ' newer' : ''}`} data-testid="module-status" data-loaded={loaded ?? ''} data-ready={ready} data-newer={newer}>
      {/* the words give way (an ellipsis, the whole sentence in the tooltip); the button never does */}
      <span className="module-text" title={newer && loaded !== undefined ? `${loadedText}; a newer build (${time(ready)}) is ready in /lib/kshram` : loadedText}>
        {loaded !== undefined ? (
          <>
            kshram.ko: build of <strong>{time(loaded)}</strong> loaded
          </>
        ) : (
          'kshram.ko not loaded'
        )}
        {newer && loaded !== undefined && <span className="dim"> — a newer build ({time(ready)}) is ready</span>}
        {heldBack !== undefined && (
          <span className="dim" data-testid="module-held-back">
            {' '}
            — your build of {time(heldBack)} runs after Debug again (gdb knows this one)
          </span>
        )}
      </span>
      {newer && (
        <button className="small-button" onClick={onReload} disabled={reloading} data-testid="reload-module" title={`${loaded !== undefined ? 'rmmod kshram, then ' : ''}insmod the build of ${time(ready)} (/lib/kshram/kshram.ko in the guest)`}>
          {reloading ? <span className="spinner" /> : '⟳'} {loaded !== undefined ? 'Reload module' : 'Load module'}
        </button>
      )}
      {failed && (
        <span className="module-error" data-testid="module-error" title={failed.message}>
          {failed.message}
        </span>
      )}
    </span>
  );
}
