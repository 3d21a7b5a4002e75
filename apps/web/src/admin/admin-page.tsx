// The admin panel: organizers see and manage their own events; admins also orders, users,
// notification templates, the embedded mailbox and the health of the services.
import { NavLink, Route, Routes } from 'react-router';
import { hasRole, useSession } from '../auth/session';
import { AdminEventPage } from './admin-event-page';
import { AdminEvents } from './admin-events';
import { AdminHealth } from './admin-health';
import { AdminMailbox, AdminTemplates } from './admin-notifications';
import { AdminOrders } from './admin-orders';
import { AdminUsers } from './admin-users';
import { EventEditor, EventEditPage } from './event-editor';

export function AdminPage() {
  const session = useSession();
  const admin = hasRole(session, 'ADMIN');
  const adminOnly = (element: React.ReactNode) => (admin ? element : <p>This page is for admin accounts.</p>);
  return (
    <div className="page admin">
      <nav aria-label="Admin" className="admin-nav">
        <NavLink to="/admin" end>
          Events
        </NavLink>
        {admin && <NavLink to="/admin/orders">Orders</NavLink>}
        {admin && <NavLink to="/admin/users">Users</NavLink>}
        {admin && <NavLink to="/admin/templates">Templates</NavLink>}
        {admin && <NavLink to="/admin/mail">Mailbox</NavLink>}
        {admin && <NavLink to="/admin/health">Health</NavLink>}
      </nav>
      <Routes>
        <Route index element={<AdminEvents />} />
        <Route path="events/new" element={<EventEditor />} />
        <Route path="events/:id" element={<AdminEventPage />} />
        <Route path="events/:id/edit" element={<EventEditPage />} />
        <Route path="orders" element={adminOnly(<AdminOrders />)} />
        <Route path="users" element={adminOnly(<AdminUsers />)} />
        <Route path="templates" element={adminOnly(<AdminTemplates />)} />
        <Route path="mail" element={adminOnly(<AdminMailbox />)} />
        <Route path="health" element={adminOnly(<AdminHealth />)} />
      </Routes>
    </div>
  );
}
