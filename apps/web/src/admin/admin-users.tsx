// Users and their roles (admins).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { Role, UserView } from '../api/types';
import { Alert, PageTitle, problemText, QueryState } from '../ui/components';

const ROLES: Role[] = ['USER', 'ORGANIZER', 'STAFF', 'ADMIN'];

function UserRow({ user }: { user: UserView }) {
  const queryClient = useQueryClient();
  const setRoles = useMutation({
    mutationFn: (roles: Role[]) => api.setRoles(user.id, roles),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
  const toggle = (role: Role, on: boolean) => {
    const roles = on ? [...user.roles, role] : user.roles.filter((held) => held !== role);
    setRoles.mutate(roles);
  };
  return (
    <li className="order-row">
      <div>
        <strong>{user.username}</strong>
        <p className="muted">
          {user.firstName} {user.lastName} · {user.email}
        </p>
      </div>
      <fieldset className="roles">
        <legend className="visually-hidden">Roles of {user.username}</legend>
        {ROLES.map((role) => (
          <label key={role} className="checkbox">
            <input
              type="checkbox"
              checked={user.roles.includes(role)}
              disabled={setRoles.isPending}
              onChange={(event) => toggle(role, event.target.checked)}
            />
            {role.toLowerCase()}
          </label>
        ))}
      </fieldset>
      {setRoles.error && <Alert>{problemText(setRoles.error)}</Alert>}
    </li>
  );
}

export function AdminUsers() {
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const users = useQuery({ queryKey: ['users', q], queryFn: () => api.users({ q: q || undefined }) });
  const items = users.data?.items ?? [];
  return (
    <section>
      <PageTitle>Users</PageTitle>
      <search>
        <form
          className="search"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            setQ(search.trim());
          }}
        >
          <label htmlFor="user-search" className="visually-hidden">
            Search users
          </label>
          <input
            id="user-search"
            type="search"
            placeholder="Name, username or email"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <button type="submit" className="button">
            Search
          </button>
        </form>
      </search>
      <QueryState
        loading={users.isPending}
        error={users.error}
        empty={items.length === 0}
        emptyText="No users match."
      >
        <ul className="order-list">
          {items.map((user) => (
            <UserRow key={user.id} user={user} />
          ))}
        </ul>
      </QueryState>
    </section>
  );
}
