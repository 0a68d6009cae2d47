import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../../../shared/base.css';
import { SignedIn } from '../common/SignedIn';
import '../pages.css';
import { TaApp } from './TaApp';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn purpose="The class dashboard: every student's results, live, and the grading queue. It needs a TA token.">{(signed) => <TaApp {...signed} />}</SignedIn>
  </StrictMode>,
);
