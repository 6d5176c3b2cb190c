import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import type { Session } from '@hearth/contracts/web';
import { ErrorAlert, useAction } from '../ui';

export function SignIn({ onSignedIn, error: initial }: { onSignedIn: (session: Session) => void; error?: unknown }) {
  const [token, setToken] = useState('');
  const { run, busy, error } = useAction();
  const id = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    run(async () => {
      const session = await api.signIn(token);
      setToken('');
      onSignedIn(session);
    });
  };
  return (
    <main className="sign-in">
      <h1>Hearth console</h1>
      <form onSubmit={submit}>
        <label htmlFor={id}>Operator token</label>
        <input
          id={id}
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={512}
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <p className="hint">
          An operator token from <code>hearth token create</code> (the first admin&apos;s is in{' '}
          <code>.hearth/admin-token</code>).
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <ErrorAlert error={error ?? initial} />
      </form>
    </main>
  );
}
