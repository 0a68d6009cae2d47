import type { EnvStatus, VmStatus } from '../../../app/api';
import type { Notice } from '../store';

interface Props {
  env?: EnvStatus;
  vm: VmStatus;
  connection?: string;
  notices: Notice[];
  onDismiss(id: number): void;
  onRetryEnv(): void;
}

/** Things that stop the student, said plainly with what to do next. */
export function Banners({ env, vm, connection, notices, onDismiss, onRetryEnv }: Props) {
  return (
    <div className="banners">
      {connection && <div className="banner error" data-testid="banner-connection">{connection}</div>}
      {env?.kitError && (
        <div className="banner error" data-testid="banner-kit">
          <strong>{env.kitError.code === 'KIT_MISSING' ? 'No kit installed.' : 'The kit cannot be used.'}</strong> {env.kitError.message}
          {env.kitError.suggestion && <code className="command">{env.kitError.suggestion.replace(/^Run:\s*/, '').replace(/^kshram-lab/, 'npx kshram-lab')}</code>}
          <button className="link-button" onClick={onRetryEnv}>
            Check again
          </button>
        </div>
      )}
      {env && !env.qemu.ok && (
        <div className="banner error" data-testid="banner-qemu">
          <strong>QEMU is missing.</strong> {env.qemu.error?.message} {env.qemu.error?.suggestion}
          <button className="link-button" onClick={onRetryEnv}>
            Check again
          </button>
        </div>
      )}
      {vm.error && vm.phase !== 'running' && (
        <div className="banner error" data-testid="banner-vm">
          <strong>{vm.message}.</strong> {vm.error.message} {vm.error.suggestion}
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`banner ${n.kind}`} data-testid="notice">
          {n.text}
          {n.suggestion && <span className="dim"> {n.suggestion}</span>}
          <button className="icon-button" onClick={() => onDismiss(n.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
