/** One line of the account statement, kept short because it rides in the session. */
export interface StatementLine {
  /** ISO date */
  d: string;
  /** description */
  t: string;
  /** cents, negative = debit */
  a: number;
}

/** Lines per "load an older month" click: about 1 KB of sealed session each. */
export const LINES_PER_PAGE = 12;

/** How far back the history goes: keeps the session (and its KV entry) bounded, at about 25 KB. */
export const MAX_MONTHS = 24;

const MERCHANTS = [
  "Mad Hatter Tea Rooms",
  "Cheshire Cat Cafe",
  "White Rabbit Watches",
  "Queen of Hearts Croquet Club",
  "Caterpillar Hookah Supplies",
  "Dodo Caucus Race Tickets",
  "Mock Turtle Soup Kitchen",
  "Duchess Pepper Merchants",
  "Tweedle Bros. Rattles",
  "Looking-Glass Opticians",
];

/**
 * The `month`-th month of history before `today`: the same lines every time for the same month, as a bank's
 * history would be. Deterministic so the e2e screenshots and sizes stay stable.
 */
export function statementMonth(month: number, today: Date): StatementLine[] {
  let seed = Math.imul(month + 1, 2654435761) >>> 0;
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - month - 1, 1));
  const lines: StatementLine[] = [];
  for (let i = 0; i < LINES_PER_PAGE; i++) {
    const day = 1 + Math.floor((i * 28) / LINES_PER_PAGE + next() * 2);
    const salary = i === 0;
    lines.push({
      d: new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), day)).toISOString().slice(0, 10),
      t: salary ? "Salary, Wonderland Ltd" : MERCHANTS[Math.floor(next() * MERCHANTS.length)]!,
      a: salary ? 320_000 : -Math.round(200 + next() * 12_000),
    });
  }
  return lines.reverse();
}
