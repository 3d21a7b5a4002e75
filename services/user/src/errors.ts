// The user service's domain errors, each with a stable code.
import { AppError, ConflictError, UnauthorizedError, ValidationError } from '@ticketing/platform';

export class DuplicateAccountError extends ConflictError {
  constructor(field: 'username' | 'email') {
    super(`An account with this ${field} already exists`, `${field}_taken`, { field });
  }
}

export class WeakPasswordError extends ValidationError {
  constructor(field: string, reason: string) {
    super(field, `${field} is too weak: ${reason}`, 'weak_password');
  }
}

/** One answer for an unknown user and a wrong password, so accounts cannot be enumerated. */
export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('The username, email or password is incorrect', 'invalid_credentials');
  }
}

export class InvalidRefreshTokenError extends UnauthorizedError {
  constructor(reason: 'unknown' | 'expired' | 'revoked' | 'reused') {
    const messages = {
      unknown: 'The refresh token is not valid',
      expired: 'The refresh token has expired; log in again',
      revoked: 'The refresh token has been revoked; log in again',
      reused: 'The refresh token was already used; every session of this login has been revoked',
    };
    super(messages[reason], `refresh_token_${reason === 'unknown' ? 'invalid' : reason}`);
  }
}

export class WrongCurrentPasswordError extends AppError {
  constructor() {
    super(400, 'wrong_current_password', 'currentPassword is not your current password', {
      field: 'currentPassword',
    });
  }
}

export class OwnAdminRoleError extends ConflictError {
  constructor() {
    super('You cannot remove the ADMIN role from your own account', 'cannot_remove_own_admin', {
      field: 'roles',
    });
  }
}

/**
 * Too many failed logins for one account name, known or not (the same answer for both, so it
 * tells nothing about whether the account exists).
 */
export class LoginThrottledError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      429,
      'login_throttled',
      `Too many failed logins for this account; try again in ${retryAfterSeconds} s, or log in from a device you used before`,
      { retryAfterSeconds },
    );
  }
}

/** Said only after the right password, so it tells an attacker nothing they could not see anyway. */
export class AccountDisabledError extends AppError {
  constructor() {
    super(403, 'account_disabled', 'This account has been suspended; contact support to reactivate it');
  }
}

export class OwnAccountSuspensionError extends ConflictError {
  constructor() {
    super('You cannot suspend your own account', 'cannot_suspend_self', { field: 'id' });
  }
}
