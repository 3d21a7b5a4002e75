// The buyer's account: links to orders, tickets and notifications, the profile form and the
// password change.
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import { formErrors } from '../api/problem';
import { useSession } from '../auth/session';
import { Alert, Field, PageTitle } from '../ui/components';

const PROFILE_FIELDS = ['firstName', 'lastName', 'email', 'phoneNumber'] as const;

export function AccountPage() {
  const session = useSession()!;
  const user = session.user;
  const [profile, setProfile] = useState({
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    phoneNumber: user.phoneNumber ?? '',
  });
  const save = useMutation({
    mutationFn: () =>
      api.updateMe({
        firstName: profile.firstName.trim(),
        lastName: profile.lastName.trim(),
        email: profile.email.trim(),
        phoneNumber: profile.phoneNumber.trim() || null,
      }),
  });
  const [passwords, setPasswords] = useState({ currentPassword: '', newPassword: '' });
  const changePassword = useMutation({
    mutationFn: async () => {
      await api.changePassword(passwords.currentPassword, passwords.newPassword);
      // Changing the password ends every session, this one too.
      await api.login(user.username, passwords.newPassword);
    },
    onSuccess: () => setPasswords({ currentPassword: '', newPassword: '' }),
  });
  const profileErrors = formErrors(save.error, PROFILE_FIELDS);
  const passwordErrors = formErrors(changePassword.error, ['currentPassword', 'newPassword']);

  return (
    <section className="page narrow">
      <PageTitle>Hello, {user.firstName}</PageTitle>
      <nav aria-label="Account" className="tiles">
        <Link to="/account/tickets">My tickets</Link>
        <Link to="/account/orders">My orders</Link>
        <Link to="/account/notifications">Notifications</Link>
      </nav>
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <h2>Profile</h2>
        <p className="muted">
          Username <strong>{user.username}</strong> · {user.roles.join(', ').toLowerCase()}
        </p>
        {(
          [
            ['firstName', 'First name', 'given-name', 'text'],
            ['lastName', 'Last name', 'family-name', 'text'],
            ['email', 'Email', 'email', 'email'],
            ['phoneNumber', 'Phone', 'tel', 'tel'],
          ] as const
        ).map(([name, label, autoComplete, type]) => (
          <Field key={name} label={label} error={profileErrors.fields[name]}>
            {(props) => (
              <input
                {...props}
                type={type}
                autoComplete={autoComplete}
                value={profile[name]}
                onChange={(event) => setProfile((current) => ({ ...current, [name]: event.target.value }))}
              />
            )}
          </Field>
        ))}
        {profileErrors.form && <Alert>{profileErrors.form}</Alert>}
        {save.isSuccess && <Alert kind="success">Saved.</Alert>}
        <button type="submit" className="button primary" disabled={save.isPending}>
          Save profile
        </button>
      </form>
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          changePassword.mutate();
        }}
        noValidate
      >
        <h2>Password</h2>
        <Field label="Current password" error={passwordErrors.fields.currentPassword}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              value={passwords.currentPassword}
              onChange={(event) =>
                setPasswords((current) => ({ ...current, currentPassword: event.target.value }))
              }
            />
          )}
        </Field>
        <Field label="New password" error={passwordErrors.fields.newPassword}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              value={passwords.newPassword}
              onChange={(event) =>
                setPasswords((current) => ({ ...current, newPassword: event.target.value }))
              }
            />
          )}
        </Field>
        {passwordErrors.form && <Alert>{passwordErrors.form}</Alert>}
        {changePassword.isSuccess && (
          <Alert kind="success">Password changed; other devices were logged out.</Alert>
        )}
        <button type="submit" className="button secondary" disabled={changePassword.isPending}>
          Change password
        </button>
      </form>
    </section>
  );
}
