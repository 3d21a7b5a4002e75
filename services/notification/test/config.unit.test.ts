// The notification service's settings per profile: files and loopback links on a laptop; a real
// SMTP server, a deliverable sender and public links once deployed.
import { loadConfig } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { notificationServiceConfig } from '../src/config.js';

const deployed = {
  SMTP_URL: 'smtp://mail.internal:587',
  MAIL_FROM: 'Tickets <tickets@example.com>',
  PUBLIC_WEB_URL: 'https://tickets.example.com',
};

describe('the notification service settings', () => {
  it('write mail to files and link to the local gateway with no configuration', () => {
    const settings = notificationServiceConfig(loadConfig({}), {});
    expect(settings.smtpUrl).toBeUndefined();
    expect(settings.publicWebUrl).toBe('http://127.0.0.1:8080');
  });

  it.each(['staging', 'production'] as const)(
    'in %s require SMTP, a sender and the public URL',
    (environment) => {
      const config = loadConfig(deployedEnvironment(environment));
      expect(notificationServiceConfig(config, deployed).publicWebUrl).toBe('https://tickets.example.com');
      for (const variable of Object.keys(deployed)) {
        expect(() => notificationServiceConfig(config, { ...deployed, [variable]: undefined })).toThrowError(
          `${variable} must be set in ${environment}`,
        );
      }
    },
  );

  it('in production require links over https; staging may use http', () => {
    const plain = { ...deployed, PUBLIC_WEB_URL: 'http://staging.internal:8080' };
    expect(notificationServiceConfig(loadConfig(deployedEnvironment('staging')), plain).publicWebUrl).toBe(
      'http://staging.internal:8080',
    );
    expect(() =>
      notificationServiceConfig(loadConfig(deployedEnvironment('production')), plain),
    ).toThrowError('PUBLIC_WEB_URL must be an https:// URL in production');
  });
});
