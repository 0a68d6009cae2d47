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
          <span className="banner-text">
            <strong>{env.kitError.code === 'KIT_MISSING' ? 'No kit installed.' : 'The kit cannot be used.'}</strong> {env.kitError.message} <Suggestion text={env.kitError.suggestion} />
          </span>
          <button className="link-button" onClick={onRetryEnv}>
            Check again
          </button>
        </div>
      )}
      {env && !env.qemu.ok && (
        <div className="banner error" data-testid="banner-qemu">
          <span className="banner-text">
            <strong>QEMU is missing.</strong> {env.qemu.error?.message} <Suggestion text={env.qemu.error?.suggestion} />
          </span>
          <button className="link-button" onClick={onRetryEnv}>
            Check again
          </button>
        </div>
      )}
      {vm.error && vm.phase !== 'running' && (
        <div className="banner error" data-testid="banner-vm">
          <span className="banner-text">
            <strong>{vm.message}.</strong> {vm.error.message} <Suggestion text={vm.error.suggestion} />
          </span>
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`banner ${n.kind}`} data-testid="notice">
          <span className="banner-text">
            {n.text} <Suggestion text={n.suggestion} />
          </span>
          <button className="icon-button" onClick={() => onDismiss(n.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

/** Commands in a suggestion ("Run: kshram-lab kits install X (or npm run setup)") shown as copyable code. */
function Suggestion({ text }: { text?: string }) {
  if (!text) return null;
  const parts = text.replace(/^Run:\s*/, '').split(/((?:npx )?kshram-lab [\w .-]+?(?=\s*(?:\(|$|;|,))|npm run \w+|apt-get install [\w-]+|brew install \w+)/);
  return (
    <span className="suggestion">
      {parts.map((part, i) =>
        i % 2 ? (
          <code key={i} className="command">
            {part.startsWith('kshram-lab') ? `npx ${part}` : part}
          </code>
        ) : (
          part
        ),
      )}
    </span>
  );
}
