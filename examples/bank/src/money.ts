const euros = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });

/** 123456 -> "€1,234.56" */
export function formatCents(cents: number): string {
  return euros.format(cents / 100);
}

/** "12", "12.5", "12,50", "1 234.56" -> cents; undefined for anything else (no signs, no exponents). */
export function parseAmount(input: string): number | undefined {
  const match = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(input.replace(/[\s\u00a0]/g, ""));
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}
