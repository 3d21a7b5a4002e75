// How money and times read in the app. Money arrives in minor units with an ISO 4217 code.

const minorDigits = (currency: string) => {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
};

/** 12000, "EUR" → "120.00 EUR": plain digits and the code, the same on every device and for screen readers. */
export function formatMoney(minorUnits: number, currency: string): string {
  const digits = minorDigits(currency);
  return `${(minorUnits / 10 ** digits).toFixed(digits)} ${currency}`;
}

/** "Sat 26 Dec 2026, 19:00" in the venue's time zone. */
export function formatEventTime(iso: string, timeZone?: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
    }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

/** "14:05": a moment later today, in the device's time zone. */
export function formatClock(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** Seconds left as m:ss. */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** "12.50" → 1250 minor units; undefined when it is not an amount. */
export function parseMoney(text: string, currency = 'EUR'): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!/^\d+(\.\d{1,3})?$/.test(trimmed)) return undefined;
  return Math.round(Number(trimmed) * 10 ** minorDigits(currency));
}
