import { createContext, useContext } from 'react';
import type { Permission, Session } from '@hearth/contracts/web';

export interface SessionState {
  session: Session;
  signOut: () => void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in app');
  return state;
}

/** Whether the session may do this: controls it may not use are not shown at all. */
export function useCan(): (permission: Permission) => boolean {
  const { session } = useSession();
  return (permission) => session.permissions.includes(permission);
}
