// HTTP adapters of the user service: parse, call a domain function, shape the answer.
import { AccessTokenRevocation, Problem } from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import { Type } from 'typebox';
import * as cutoffs from './access-token-cutoffs.js';
import * as accounts from './accounts.js';
import type { UserServiceDeps } from './app.js';
import {
  ChangePasswordBody,
  Jwks,
  LoginBody,
  RefreshBody,
  RegisterBody,
  RevocationQuery,
  SetRolesBody,
  TokenPair,
  UpdateProfileBody,
  UserIdParams,
  UserPage,
  UserSearchQuery,
  UserView,
} from './schema.js';
import * as sessions from './sessions.js';

const problems = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  429: Problem,
  503: Problem,
};
const bearer = [{ bearerAuth: [] }];

export function registerRoutes(app: HttpApp, deps: UserServiceDeps): void {
  const clientInfo = (request: { headers: Record<string, unknown>; ip: string }) => ({
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
    ipAddress:
      typeof request.headers['x-forwarded-for'] === 'string'
        ? request.headers['x-forwarded-for'].split(',')[0]!.trim()
        : request.ip,
  });

  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['auth'], summary: 'Public keys that verify access tokens', response: { 200: Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.signer.jwks();
    },
  );

  app.post(
    '/api/v1/auth/register',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: UserView, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await accounts.registerUser(deps, request.body)),
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with username or email',
        body: LoginBody,
        response: { 200: TokenPair, ...problems },
      },
    },
    async (request) => sessions.login(deps, request.body, clientInfo(request)),
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Swap a refresh token for a new pair (rotation)',
        body: RefreshBody,
        response: { 200: TokenPair, ...problems },
      },
    },
    async (request) => sessions.refresh(deps, request.body.refreshToken, clientInfo(request), request.log),
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'End the session of a refresh token',
        body: RefreshBody,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await sessions.logout(deps, request.body.refreshToken, request.identity, request.log);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/internal/access-tokens/:tokenId/revocation',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary:
          "Whether an access token was logged out or issued before its user's cut-off (the gateway asks when its cache is down)",
        params: Type.Object({ tokenId: Type.String({ format: 'uuid' }) }),
        querystring: RevocationQuery,
        response: { 200: AccessTokenRevocation, ...problems },
      },
    },
    async (request) => ({
      revoked: await cutoffs.isAccessTokenRevoked(deps, {
        tokenId: request.params.tokenId,
        userId: request.query.userId,
        issuedAtMs: request.query.issuedAt,
      }),
    }),
  );

  app.get(
    '/api/v1/users/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['users'],
        summary: 'My profile',
        security: bearer,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) => accounts.getUser(deps, requireIdentity(request).userId),
  );

  app.patch(
    '/api/v1/users/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['users'],
        summary: 'Update my profile',
        security: bearer,
        body: UpdateProfileBody,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) => accounts.updateProfile(deps, requireIdentity(request).userId, request.body),
  );

  app.post(
    '/api/v1/users/me/password',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['users'],
        summary: 'Change my password (ends all my sessions)',
        security: bearer,
        body: ChangePasswordBody,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await accounts.changePassword(
        deps,
        requireIdentity(request).userId,
        request.body.currentPassword,
        request.body.newPassword,
        request.log,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['users'],
        summary: 'Search users (admin)',
        security: bearer,
        querystring: UserSearchQuery,
        response: { 200: UserPage, ...problems },
      },
    },
    async (request) => accounts.searchUsers(deps, request.query),
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { access: { roles: ['ADMIN'], services: true } },
      schema: {
        tags: ['users'],
        summary: 'One user (admin, services)',
        security: bearer,
        params: UserIdParams,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) => accounts.getUser(deps, request.params.id),
  );

  app.put(
    '/api/v1/users/:id/roles',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['users'],
        summary: "Set a user's roles (admin)",
        security: bearer,
        params: UserIdParams,
        body: SetRolesBody,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) =>
      accounts.setRoles(
        deps,
        requireIdentity(request).userId,
        request.params.id,
        request.body.roles,
        request.log,
      ),
  );

  app.post(
    '/api/v1/users/:id/suspend',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['users'],
        summary: 'Suspend an account: its sessions and access tokens end, login is refused (admin)',
        security: bearer,
        params: UserIdParams,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) =>
      accounts.suspendUser(deps, requireIdentity(request).userId, request.params.id, request.log),
  );

  app.post(
    '/api/v1/users/:id/reactivate',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['users'],
        summary: 'Let a suspended account log in again (admin)',
        security: bearer,
        params: UserIdParams,
        response: { 200: UserView, ...problems },
      },
    },
    async (request) =>
      accounts.reactivateUser(deps, requireIdentity(request).userId, request.params.id, request.log),
  );
}
