import { formatCents, parseAmount } from "./money.js";

/** The form as typed, kept in the session between steps (and when the user wanders off). */
export interface TransferDraft {
  payee: string;
  iban: string;
  amount: string;
  reference: string;
}

export interface SentTransfer {
  /** ms since epoch */
  at: number;
  payee: string;
  iban: string;
  /** cents */
  amount: number;
  reference: string;
}

export type DraftErrors = Partial<Record<keyof TransferDraft, string>>;

export type Checked = { ok: true; transfer: Omit<SentTransfer, "at"> } | { ok: false; errors: DraftErrors };

/** Largest single transfer, in cents. */
export const TRANSFER_LIMIT = 1_000_000;

/** Transfers over this many cents ask for the password again (step-up), unless it was given very recently. */
export const STEP_UP_THRESHOLD = 100_000;

const FIELDS = ["payee", "iban", "amount", "reference"] as const;

/** Reads the four fields from a parsed form body; anything missing or not a string is "". */
export function draftFromForm(form: Record<string, unknown>): TransferDraft {
  const draft = {} as TransferDraft;
  for (const field of FIELDS) {
    const value = form[field];
    draft[field] = typeof value === "string" ? value.slice(0, 200) : "";
  }
  return draft;
}

/** Checks a draft against the account it would be paid from. */
export function checkDraft(draft: TransferDraft, account: { balance: number; iban: string }): Checked {
  const errors: DraftErrors = {};
  const payee = draft.payee.trim();
  if (!payee) errors.payee = "Enter the payee's name.";
  else if (payee.length > 70 || /[\p{Cc}<>]/u.test(payee)) errors.payee = "Use at most 70 characters, no < or >.";

  const iban = normalizeIban(draft.iban);
  if (!isValidIban(iban)) errors.iban = "Enter a valid IBAN (e.g. DE89 3704 0044 0532 0130 00).";
  else if (iban === account.iban) errors.iban = "That is your own account.";

  const amount = parseAmount(draft.amount);
  if (amount === undefined || amount === 0) errors.amount = "Enter an amount such as 25 or 25.50.";
  else if (amount > TRANSFER_LIMIT) errors.amount = `The limit per transfer is ${formatCents(TRANSFER_LIMIT)}.`;
  else if (amount > account.balance) errors.amount = `Your balance is ${formatCents(account.balance)}.`;

  const reference = draft.reference.trim();
  if (reference.length > 35 || /[\p{Cc}<>]/u.test(reference)) errors.reference = "Use at most 35 characters, no < or >.";

  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, transfer: { payee, iban, amount: amount!, reference } };
}

export function normalizeIban(input: string): string {
  return input.replace(/[\s\u00a0]/g, "").toUpperCase();
}

/** ISO 13616: country, check digits, then the account; the whole must be 1 modulo 97. */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = ch >= "A" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** "DE89370400440532013000" -> "DE89 3704 0044 0532 0130 00" */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, "$1 ");
}
