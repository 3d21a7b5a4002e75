// Create an account, then log in with it straight away.
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { formErrors } from '../api/problem';
import { Alert, Field, PageTitle } from '../ui/components';
import { safeNext } from './login-page';

const FIELDS = ['username', 'email', 'password', 'firstName', 'lastName', 'phoneNumber'] as const;
type FieldName = (typeof FIELDS)[number];

const LABELS: Record<FieldName, { label: string; type?: string; autoComplete: string; hint?: string }> = {
  firstName: { label: 'First name', autoComplete: 'given-name' },
  lastName: { label: 'Last name', autoComplete: 'family-name' },
  username: {
    label: 'Username',
    autoComplete: 'username',
    hint: 'Letters, digits, dot, underscore or hyphen',
  },
  email: { label: 'Email', type: 'email', autoComplete: 'email' },
  password: { label: 'Password', type: 'password', autoComplete: 'new-password' },
  phoneNumber: {
    label: 'Phone (optional)',
    type: 'tel',
    autoComplete: 'tel',
    hint: 'With country code, e.g. +4915112345678',
  },
};

export function RegisterPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [form, setForm] = useState<Record<FieldName, string>>({
    firstName: '',
    lastName: '',
    username: '',
    email: '',
    password: '',
    phoneNumber: '',
  });
  const register = useMutation({
    mutationFn: async () => {
      await api.register({
        username: form.username.trim(),
        email: form.email.trim(),
        password: form.password,
        firstName: form.firstName.trim(),
        lastName: form.lastName.trim(),
        ...(form.phoneNumber.trim() && { phoneNumber: form.phoneNumber.trim() }),
      });
      await api.login(form.username.trim(), form.password);
    },
    onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }),
  });
  const errors = formErrors(register.error, FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <section className="page narrow">
      <PageTitle>Create an account</PageTitle>
      <form onSubmit={submit} noValidate>
        {(['firstName', 'lastName', 'username', 'email', 'password', 'phoneNumber'] as const).map((name) => (
          <Field key={name} label={LABELS[name].label} hint={LABELS[name].hint} error={errors.fields[name]}>
            {(props) => (
              <input
                {...props}
                type={LABELS[name].type ?? 'text'}
                autoComplete={LABELS[name].autoComplete}
                value={form[name]}
                onChange={(event) => setForm((current) => ({ ...current, [name]: event.target.value }))}
              />
            )}
          </Field>
        ))}
        {errors.form && <Alert>{errors.form}</Alert>}
        <button type="submit" className="button primary wide" disabled={register.isPending}>
          {register.isPending ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
