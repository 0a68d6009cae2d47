import { useEffect, useState } from 'react';
import { TabFocus } from 'monaco-editor/editor/browser/config/tabFocus';

/** True while Tab moves the focus instead of inserting a tab in the editor (Ctrl+M toggles it). */
export function useTabFocusMode(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(TabFocus.getTabFocusMode());
  useEffect(() => {
    const sub = TabFocus.onDidChangeTabFocus(setOn);
    return () => sub.dispose();
  }, []);
  return [on, (value) => TabFocus.setTabFocusMode(value)];
}
