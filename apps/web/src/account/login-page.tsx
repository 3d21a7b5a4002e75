// Log in with a username or email; back to the page that asked for it afterwards.
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { formErrors } from '../api/problem';
import { Alert, Field, PageTitle } from '../ui/components';

/** Only paths of this app: `next=https://elsewhere` must not send a fresh login away. */
export function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => api.login(username.trim(), password),
    onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }),
  });
  const errors = formErrors(login.error, ['username', 'password']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <section className="page narrow">
      <PageTitle>Log in</PageTitle>
      <form onSubmit={submit} noValidate>
        <Field label="Username or email" error={errors.fields.username}>
          {(props) => (
            <input
              {...props}
              autoComplete="username"
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <Field label="Password" error={errors.fields.password}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        {errors.form && <Alert>{errors.form}</Alert>}
        <button type="submit" className="button primary wide" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here?{' '}
        <Link to={`/register${params.get('next') ? `?next=${encodeURIComponent(params.get('next')!)}` : ''}`}>
          Create an account
        </Link>
      </p>
    </section>
  );
}
