import type { Amount } from './goal-matcher.ts';

/** A decimal as an integer count of 10^-scale. */
interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

function parseAmount(amount: Amount): Scaled | undefined {
  const match = DECIMAL.exec(amount);
  if (match === null) return undefined;
  const fraction = match[3] ?? '';
  const units = BigInt(`${match[2]}${fraction}`);
  return { units: match[1] === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** The decimal text of a scaled integer, without trailing fractional zeros. */
function decimalText({ units, scale }: Scaled): string {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${units < 0n ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * Revenue per currency summed exactly, as PostgreSQL sums numeric: days add up to a range's revenue
 * without drift, and a reader rounds once, as the raw path does. A missing currency is `XXX`.
 */
export class RevenueTotals {
  private readonly totals = new Map<string, Scaled>();

  add(currency: string | null, amount: Amount): void {
    const parsed = parseAmount(amount);
    if (parsed === undefined) return;
    const key = currency ?? 'XXX';
    const total = this.totals.get(key);
    if (total === undefined) {
      this.totals.set(key, parsed);
      return;
    }
    const scale = Math.max(total.scale, parsed.scale);
    this.totals.set(key, { units: rescale(total, scale) + rescale(parsed, scale), scale });
  }

  /** A JSON object of currency → amount (a JSON number, exact), currencies in order, zero sums left out. */
  toJson(): string {
    const entries = [...this.totals]
      .filter(([, total]) => total.units !== 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, total]) => `${JSON.stringify(currency)}:${decimalText(total)}`);
    return `{${entries.join(',')}}`;
  }
}
