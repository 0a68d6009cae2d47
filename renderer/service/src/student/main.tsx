import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../../../shared/base.css';
import { SignedIn } from '../common/SignedIn';
import '../pages.css';
import { StudentApp } from './StudentApp';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn purpose="Submit your kshram module to the course service and watch it graded.">{(signed) => <StudentApp {...signed} />}</SignedIn>
  </StrictMode>,
);
