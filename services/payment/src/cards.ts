// Cards as the payment service keeps them: a number is checked (Luhn), reduced to its brand,
// last four digits and a keyed fingerprint, and then forgotten. Nothing here stores or logs it.
import { createHmac } from 'node:crypto';
import type { CardInput } from '@ticketing/contracts';
import { InvalidCardNumberError } from './errors.js';
import type { TokenCard } from './gateway.js';

export interface CardSummary {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  /** HMAC-SHA256 of the number: counts one card across payments without keeping it. */
  fingerprint: string;
}

/** The digits of a card number as typed, without spaces or hyphens. */
export function cardDigits(number: string): string {
  return number.replace(/[\s-]/g, '');
}

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The card network from the number's leading digits (IIN ranges). */
export function cardBrand(digits: string): string {
  const prefix2 = Number(digits.slice(0, 2));
  const prefix3 = Number(digits.slice(0, 3));
  const prefix4 = Number(digits.slice(0, 4));
  const prefix6 = Number(digits.slice(0, 6));
  if (digits.startsWith('4')) return 'visa';
  if ((prefix2 >= 51 && prefix2 <= 55) || (prefix4 >= 2221 && prefix4 <= 2720)) return 'mastercard';
  if (prefix2 === 34 || prefix2 === 37) return 'amex';
  if (prefix4 === 6011 || prefix2 === 65 || (prefix3 >= 644 && prefix3 <= 649)) return 'discover';
  if (prefix4 >= 3528 && prefix4 <= 3589) return 'jcb';
  if (prefix2 === 36 || prefix2 === 38 || (prefix3 >= 300 && prefix3 <= 305)) return 'diners';
  if (prefix2 === 62 || (prefix6 >= 622126 && prefix6 <= 622925)) return 'unionpay';
  return 'unknown';
}

/** Checks a card and reduces it to what may be kept; throws for a number that cannot be a card. */
export function summarizeCard(card: CardInput, fingerprintSecret: string): CardSummary {
  const digits = cardDigits(card.number);
  if (!/^[0-9]{12,19}$/.test(digits) || !passesLuhn(digits)) throw new InvalidCardNumberError();
  return {
    brand: cardBrand(digits),
    last4: digits.slice(-4),
    expMonth: card.expMonth,
    expYear: card.expYear,
    fingerprint: createHmac('sha256', fingerprintSecret).update(digits).digest('hex'),
  };
}

/**
 * A card known only by a gateway token, in the same shape. The gateway's fingerprint is keyed
 * like ours, so the admin view and the database never hold the gateway's value itself.
 */
export function summarizeTokenCard(card: TokenCard, gateway: string, fingerprintSecret: string): CardSummary {
  return {
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
    fingerprint: createHmac('sha256', fingerprintSecret)
      .update(`${gateway}:${card.gatewayFingerprint}`)
      .digest('hex'),
  };
}

/** A card is valid through the last day of its expiry month. */
export function cardExpired(card: { expMonth: number; expYear: number }, now: Date): boolean {
  const firstDayAfterExpiry = Date.UTC(card.expYear, card.expMonth, 1);
  return now.getTime() >= firstDayAfterExpiry;
}
