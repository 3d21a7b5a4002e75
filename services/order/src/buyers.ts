// Buyers as the order service checks them: the user service says whether the account exists
// (GET /api/v1/users/{id}, which services may call).
import type { UserView } from '@ticketing/contracts';
import type { ServiceClient } from '@ticketing/platform';
import { reach } from './upstream.js';

export interface UserService {
  /** The buyer's account, or undefined when it does not exist. */
  findUser(userId: string, requestId?: string): Promise<UserView | undefined>;
}

export function userServiceOver(client: ServiceClient, timeoutMs: number): UserService {
  return {
    async findUser(userId, requestId) {
      const response = await reach('user', () =>
        client.call<UserView>({ method: 'GET', path: `/api/v1/users/${userId}`, requestId, timeoutMs }),
      );
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`user service answered ${response.status} for user ${userId}`);
      return response.body;
    },
  };
}
