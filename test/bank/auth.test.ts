import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../examples/bank/src/auth.js";
import { checkLogin, DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";

describe("demo bank: PBKDF2 passwords", () => {
  it("accepts the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("open sesame", 1000);
    expect(stored).toMatch(/^pbkdf2-sha256\$1000\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword("open sesame", stored)).toBe(true);
    expect(await verifyPassword("open sesame!", stored)).toBe(false);
  });

  it("salts: the same password hashes differently each time", async () => {
    expect(await hashPassword("same", 1000)).not.toBe(await hashPassword("same", 1000));
  });

  it("never matches a malformed or out-of-range hash", async () => {
    const good = await hashPassword("pw", 1000);
    const [, , salt, hash] = good.split("$");
    for (const stored of [
      "",
      "pw",
      `sha1$1000$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$100001$${salt}$${hash}`,
      `pbkdf2-sha256$1e3$${salt}$${hash}`,
      `pbkdf2-sha256$1000$!!$${hash}`,
      `pbkdf2-sha256$1000$${salt}$${hash}$extra`,
      `pbkdf2-sha256$1000$${salt}$${hash!.slice(0, 10)}`,
    ]) {
      expect(await verifyPassword("pw", stored), stored).toBe(false);
    }
  });

  it("logs in the demo user with the password shown on the page, and nobody else", async () => {
    expect((await checkLogin(DEMO_CREDENTIALS.username, DEMO_CREDENTIALS.password))?.name).toBe("Alice Liddell");
    expect(await checkLogin(` ${DEMO_CREDENTIALS.username.toUpperCase()} `, DEMO_CREDENTIALS.password)).toBeDefined();
    expect(await checkLogin(DEMO_CREDENTIALS.username, "wrong")).toBeUndefined();
    expect(await checkLogin("mallory", DEMO_CREDENTIALS.password)).toBeUndefined();
  });
});
