import type { LanguageServer } from './use-language-server';

/** Read-only tabs of kit headers, after the workspace's tabs; and clangd's state in one word. */
export function HeaderTabs({ lsp }: { lsp: LanguageServer }) {
  return (
    <>
      {lsp.headers.map((h) => (
        <button key={h.uri} role="tab" aria-selected={lsp.activeHeader?.uri === h.uri} className={`tab header-tab${lsp.activeHeader?.uri === h.uri ? ' active' : ''}`} data-testid="header-tab" data-label={h.label} data-path={h.path} onClick={() => lsp.showHeader(h.uri)} title={`${h.path} (the kit's headers, read-only)`}>
          <span className="tab-name">{h.label.split('/').pop()}</span>
          <span className="tab-readonly">read-only</span>
          <span
            className="tab-close"
            role="button"
            aria-label={`close ${h.label}`}
            onClick={(event) => {
              event.stopPropagation();
              lsp.closeHeader(h.uri);
            }}
          >
            ×
          </span>
        </button>
      ))}
    </>
  );
}

/** clangd's state for the tab bar: running (with its live error count), starting, or why not. */
export function LspBadge({ lsp }: { lsp: LanguageServer }) {
  const s = lsp.status;
  if (!s || s.state === 'off') return null;
  const text = s.state === 'running' ? (lsp.errors ? `clangd · ${lsp.errors} error${lsp.errors > 1 ? 's' : ''}` : 'clangd') : s.state === 'starting' ? 'clangd starting…' : s.state === 'unavailable' ? 'no clangd' : 'clangd stopped';
  return (
    <span className={`lsp-badge ${s.state}`} data-testid="lsp-status" data-state={s.state} data-errors={lsp.errors} data-kit={s.kit} title={s.message}>
      {text}
    </span>
  );
}
