// The services at a glance: every instance the gateway routes to, its health and circuit.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { PageTitle, QueryState, StatusBadge } from '../ui/components';

export function AdminHealth() {
  const upstreams = useQuery({
    queryKey: ['upstreams'],
    queryFn: () => api.upstreams(),
    refetchInterval: 5000,
  });
  return (
    <section>
      <PageTitle>Service health</PageTitle>
      <QueryState loading={upstreams.isPending} error={upstreams.error}>
        <ul className="health-grid">
          {upstreams.data?.services.map((service) => {
            const healthy = service.instances.filter((instance) => instance.healthy).length;
            return (
              <li
                key={service.service}
                className={healthy === service.instances.length ? 'health-up' : 'health-down'}
              >
                <strong>{service.service}</strong>
                <StatusBadge
                  status={healthy === service.instances.length ? 'UP' : healthy > 0 ? 'DEGRADED' : 'DOWN'}
                />
                <p className="muted small">
                  {healthy}/{service.instances.length} instances · circuit {service.circuit.toLowerCase()}
                </p>
                {service.instances
                  .filter((instance) => instance.lastError)
                  .map((instance) => (
                    <p key={instance.url} className="field-error small">
                      {instance.url}: {instance.lastError}
                    </p>
                  ))}
              </li>
            );
          })}
        </ul>
      </QueryState>
    </section>
  );
}
