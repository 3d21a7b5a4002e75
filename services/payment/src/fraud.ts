// Fraud rules, checked before any charge: amount limits, velocity per user, card and address,
// repeated declines and card testing (many cards for one user). A pure function of the
// attempt and what the database counted in the window, so the rules are unit-testable; the
// decision, its score and its reasons are stored on the payment.
import type { FraudDecision, FraudReason } from '@ticketing/contracts';
import type { FraudRules } from './config.js';

/** Failure codes that count as declines (a fraud block or a gateway outage does not). */
export const DECLINE_CODES = [
  'card_declined',
  'insufficient_funds',
  'processing_error',
  'expired_card',
  'incorrect_cvc',
  'lost_card',
  'stolen_card',
  'do_not_honor',
  'generic_decline',
  'fraudulent',
] as const;

/** Counts over the rules' window, before this attempt. */
export interface RecentActivity {
  attemptsByUser: number;
  attemptsByCard: number;
  attemptsByIp: number;
  declinesByUser: number;
  declinesByCard: number;
  /** Distinct cards the user tried, including this attempt's. */
  cardsByUser: number;
}

export interface FraudAssessment {
  decision: FraudDecision;
  /** 0–100: how suspicious the attempt looks; anything with a reason is blocked. */
  score: number;
  reasons: FraudReason[];
}

const WEIGHTS = {
  amount_limit: 60,
  user_velocity: 40,
  card_velocity: 50,
  ip_velocity: 30,
  repeated_declines: 60,
  too_many_cards: 50,
} as const;

export function assessFraud(
  rules: FraudRules,
  attempt: { amount: number; hasCard: boolean; hasIp: boolean },
  recent: RecentActivity,
): FraudAssessment {
  const reasons: FraudReason[] = [];
  let score = 0;
  const window = `${rules.windowMinutes} minutes`;
  const check = (rule: keyof typeof WEIGHTS, limit: number, value: number, detail: string) => {
    if (limit <= 0) return;
    if (value >= limit) {
      reasons.push({ rule, detail });
      score += WEIGHTS[rule];
    } else if (value >= limit * 0.8) {
      // Close to a limit: suspicious enough to show in the score, not to block.
      score += Math.round(WEIGHTS[rule] / 4);
    }
  };
  if (rules.maxAmount > 0 && attempt.amount > rules.maxAmount) {
    reasons.push({
      rule: 'amount_limit',
      detail: `${attempt.amount} exceeds the limit of ${rules.maxAmount} per payment`,
    });
    score += WEIGHTS.amount_limit;
  }
  check(
    'user_velocity',
    rules.maxPerUser,
    recent.attemptsByUser,
    `${recent.attemptsByUser} payment attempts by this user in the last ${window} (limit ${rules.maxPerUser})`,
  );
  if (attempt.hasCard) {
    check(
      'card_velocity',
      rules.maxPerCard,
      recent.attemptsByCard,
      `${recent.attemptsByCard} payment attempts with this card in the last ${window} (limit ${rules.maxPerCard})`,
    );
  }
  if (attempt.hasIp) {
    check(
      'ip_velocity',
      rules.maxPerIp,
      recent.attemptsByIp,
      `${recent.attemptsByIp} payment attempts from this address in the last ${window} (limit ${rules.maxPerIp})`,
    );
  }
  const declines = Math.max(recent.declinesByUser, recent.declinesByCard);
  check(
    'repeated_declines',
    rules.maxDeclines,
    declines,
    `${declines} declined payments for this user or card in the last ${window} (limit ${rules.maxDeclines})`,
  );
  if (attempt.hasCard && rules.maxCardsPerUser > 0 && recent.cardsByUser > rules.maxCardsPerUser) {
    reasons.push({
      rule: 'too_many_cards',
      detail: `${recent.cardsByUser} different cards tried by this user in the last ${window} (limit ${rules.maxCardsPerUser})`,
    });
    score += WEIGHTS.too_many_cards;
  }
  return { decision: reasons.length > 0 ? 'BLOCK' : 'APPROVE', score: Math.min(100, score), reasons };
}
