import { describe, expect, it } from "vitest";
import { formatCents, parseAmount } from "../../examples/bank/src/money.js";
import {
  checkDraft,
  draftFromForm,
  formatIban,
  isValidIban,
  TRANSFER_LIMIT,
  type TransferDraft,
} from "../../examples/bank/src/transfer.js";

const account = { balance: 50_000, iban: "GB33BUKB20201555555555" };
const good: TransferDraft = { payee: "Bob", iban: "DE89 3704 0044 0532 0130 00", amount: "25.50", reference: "Tea" };

describe("demo bank: transfer validation", () => {
  it("accepts a well-formed transfer and normalizes it", () => {
    expect(checkDraft(good, account)).toEqual({
      ok: true,
      transfer: { payee: "Bob", iban: "DE89370400440532013000", amount: 2550, reference: "Tea" },
    });
  });

  it("checks the IBAN checksum, not only its shape", () => {
    expect(isValidIban("DE89370400440532013000")).toBe(true);
    expect(isValidIban("DE88370400440532013000")).toBe(false);
    expect(isValidIban("GB82WEST12345698765432")).toBe(true);
    expect(isValidIban("GB82WEST1234569876543")).toBe(false);
    expect(formatIban("DE89370400440532013000")).toBe("DE89 3704 0044 0532 0130 00");
  });

  it("parses amounts strictly, in cents", () => {
    expect(parseAmount("12")).toBe(1200);
    expect(parseAmount("12.5")).toBe(1250);
    expect(parseAmount("12,05")).toBe(1205);
    expect(parseAmount("1 234.56")).toBe(123456);
    for (const bad of ["", "-5", "+5", "1e3", "12.345", "0x10", "12.", ".5", "12345678"]) expect(parseAmount(bad), bad).toBeUndefined();
    expect(formatCents(123456)).toBe("€1,234.56");
  });

  it("reports every bad field at once", () => {
    const checked = checkDraft({ payee: " ", iban: "DE00 1234", amount: "-1", reference: "x".repeat(36) }, account);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(Object.keys(checked.errors).sort()).toEqual(["amount", "iban", "payee", "reference"]);
  });

  it("refuses zero, more than the balance, more than the limit, own account, and markup", () => {
    const errors = (draft: Partial<TransferDraft>, acct = account) => {
      const checked = checkDraft({ ...good, ...draft }, acct);
      return checked.ok ? {} : checked.errors;
    };
    expect(errors({ amount: "0" }).amount).toMatch(/amount/);
    expect(errors({ amount: "500.01" }).amount).toMatch(/balance is €500.00/);
    expect(errors({ amount: "500.00" }).amount).toBeUndefined();
    expect(errors({ amount: "10000.01" }, { ...account, balance: 10 * TRANSFER_LIMIT }).amount).toMatch(/limit/);
    expect(errors({ iban: "gb33 bukb 2020 1555 5555 55" }).iban).toMatch(/own account/);
    expect(errors({ payee: "<script>" }).payee).toBeDefined();
    expect(errors({ reference: "a\u0000b" }).reference).toBeDefined();
  });

  it("reads only string fields from a form, truncated", () => {
    expect(draftFromForm({ payee: "x".repeat(500), iban: 42, amount: ["1"], extra: "y" })).toEqual({
      payee: "x".repeat(200),
      iban: "",
      amount: "",
      reference: "",
    });
  });
});
