// The app's pages and the frame around them: a header with the main navigation, which shows
// the account, check-in and admin entries to the roles that may use them.
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { NavLink, Route, Routes, useNavigate } from 'react-router';
import { AccountPage } from './account/account-page';
import { LoginPage } from './account/login-page';
import { NotificationsPage } from './account/notifications-page';
import { OrdersPage } from './account/orders-page';
import { RegisterPage } from './account/register-page';
import { TicketsPage } from './account/tickets-page';
import { api } from './api/client';
import { hasRole, RequireAuth, useSession } from './auth/session';
import { WaitingRoomPage } from './queue/waiting-room-page';
import { CheckoutPage } from './storefront/checkout-page';
import { EventPage } from './storefront/event-page';
import { EventsPage } from './storefront/events-page';
import { OrderPage } from './storefront/order-page';

// Staff and organizer pages (the charting and QR-reading libraries) load only when opened.
const AdminPage = lazy(() => import('./admin/admin-page').then((module) => ({ default: module.AdminPage })));
const CheckinPage = lazy(() =>
  import('./checkin/checkin-page').then((module) => ({ default: module.CheckinPage })),
);

function Header() {
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const logout = async () => {
    await api.logout();
    queryClient.clear();
    navigate('/');
  };
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <NavLink to="/" className="brand">
        <svg viewBox="0 0 512 512" width="28" height="28" aria-hidden="true" focusable="false">
          <path d="M112 176h288v48a32 32 0 0 0 0 64v48H112v-48a32 32 0 0 0 0-64z" fill="currentColor" />
        </svg>
        Ticketing
      </NavLink>
      <nav aria-label="Main">
        <ul>
          <li>
            <NavLink to="/" end>
              Events
            </NavLink>
          </li>
          {session && (
            <li>
              <NavLink to="/account/tickets">Tickets</NavLink>
            </li>
          )}
          {session && (
            <li>
              <NavLink to="/account" end>
                Account
              </NavLink>
            </li>
          )}
          {hasRole(session, 'STAFF', 'ADMIN') && (
            <li>
              <NavLink to="/checkin">Check-in</NavLink>
            </li>
          )}
          {hasRole(session, 'ORGANIZER', 'ADMIN') && (
            <li>
              <NavLink to="/admin">Admin</NavLink>
            </li>
          )}
          <li>
            {session ? (
              <button type="button" className="link-button" onClick={logout}>
                Log out
              </button>
            ) : (
              <NavLink to="/login">Log in</NavLink>
            )}
          </li>
        </ul>
      </nav>
    </header>
  );
}

export function App() {
  return (
    <>
      <Header />
      <main id="main">
        <Suspense
          fallback={
            <p className="loading" role="status">
              Loading…
            </p>
          }
        >
          <Routes>
            <Route path="/" element={<EventsPage />} />
            <Route path="/events/:id" element={<EventPage />} />
            <Route
              path="/events/:id/queue"
              element={
                <RequireAuth>
                  <WaitingRoomPage />
                </RequireAuth>
              }
            />
            <Route path="/login" element={<LoginPage />} />
            <Route path="/register" element={<RegisterPage />} />
            <Route
              path="/checkout/:holdId"
              element={
                <RequireAuth>
                  <CheckoutPage />
                </RequireAuth>
              }
            />
            <Route
              path="/orders/:id"
              element={
                <RequireAuth>
                  <OrderPage />
                </RequireAuth>
              }
            />
            <Route
              path="/account"
              element={
                <RequireAuth>
                  <AccountPage />
                </RequireAuth>
              }
            />
            <Route
              path="/account/orders"
              element={
                <RequireAuth>
                  <OrdersPage />
                </RequireAuth>
              }
            />
            <Route
              path="/account/tickets"
              element={
                <RequireAuth>
                  <TicketsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/account/notifications"
              element={
                <RequireAuth>
                  <NotificationsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/checkin"
              element={
                <RequireAuth roles={['STAFF', 'ADMIN']}>
                  <CheckinPage />
                </RequireAuth>
              }
            />
            <Route
              path="/admin/*"
              element={
                <RequireAuth roles={['ORGANIZER', 'ADMIN']}>
                  <AdminPage />
                </RequireAuth>
              }
            />
            <Route
              path="*"
              element={
                <section className="page">
                  <h1 className="page-title">Page not found</h1>
                  <p>
                    <NavLink to="/">Back to the events</NavLink>
                  </p>
                </section>
              }
            />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}
