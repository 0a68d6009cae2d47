import type { ReactNode } from 'react';
import type { LiveStatus } from '../../../../app/service/http-client';
import type { Me } from '../../../../app/service/contract';

export function Brand() {
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden="true">
        k
      </span>{' '}
      <span className="brand-name">kshram lab</span>
    </div>
  );
}

const LIVE_WORDS: Record<LiveStatus['state'], string> = { connecting: 'connecting…', ready: 'live', lost: 'reconnecting…', refused: 'signed out' };

/** The bar on top of both pages: where you are, who you are, the live socket's state, sign out. */
export function Header({ me, live, title, links, onSignOut }: { me: Me; live: LiveStatus; title: string; links?: ReactNode; onSignOut(): void }) {
  return (
    <header className="page-bar">
      <Brand />
      <span className="page-title">{title}</span>
      <div className="fill" />
      {links}
      <span className={`live-pill ${live.state}`} title={live.state === 'lost' ? live.reason : undefined} data-testid="live-state">
        <span className={`dot ${live.state === 'ready' ? 'good' : live.state === 'refused' ? 'bad' : 'busy'}`} />
        {LIVE_WORDS[live.state]}
      </span>
      <span className="who" data-testid="who">
        {me.student} <span className="dim">({me.role === 'ta' ? 'TA' : 'student'})</span>
      </span>
      <button onClick={onSignOut} data-testid="sign-out">
        Sign out
      </button>
    </header>
  );
}
