/**
 * Cookie interoperability: each runtime seals the same session for the same secrets (a fixture), and every
 * runtime opens every other's. A user moving an app from Workers to Node, or running both behind one domain,
 * keeps everyone logged in.
 */
import { createKeyring, MemoryStore, sealedStore, type Encryption } from "../../src/index.js";
import { appOf, type AppOptions } from "./app.js";
import { Client, equal, outcome, type Result } from "./scenarios.js";

/** What one runtime sealed. */
export interface Fixture {
  /** The runtime that sealed it, e.g. "bun". */
  runtime: string;
  /**
   * The session as a cookie value, with the id the sealing runtime saw: A256GCM with a string secret, and
   * A256CBC-HS512 with a raw 64-byte key.
   */
  cookies: Record<Encryption, { id: string; value: string }>;
  /** A `sealedStore` value written under {@link STORED_KEY}. */
  stored: string;
}

const SEALED_AT = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOTE = "Grüße, 東京 ✓ 𝄞";
const STORED_KEY = "profile:ada";
const STORED_VALUE = JSON.stringify({ name: "Ada", note: NOTE });
const STRING_SECRET = "interop-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
/** 64 fixed bytes: a raw key, as `openssl rand 64` would give. */
const RAW_KEY = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 17) % 256);

function options(encryption: Encryption, now: number): AppOptions {
  return encryption === "A256GCM"
    ? { secret: STRING_SECRET, idleTimeout: 3600, now: () => now }
    : { secret: RAW_KEY, encryption, purpose: "interop", idleTimeout: 3600, now: () => now };
}

const storeKeys = () => createKeyring(STRING_SECRET, { purpose: "interop/store" });

/** Seals the fixed session (through the engine, as an app would) and the fixed store value. */
export async function sealFixture(runtime: string): Promise<Fixture> {
  const sealed = async (encryption: Encryption) => {
    const client = new Client(appOf("engine", options(encryption, SEALED_AT)));
    const { body } = await client.visit("/login/ada");
    await client.visit(`/note/${encodeURIComponent(NOTE)}`);
    return { id: body.id, value: client.cookie! };
  };
  const cookies = { A256GCM: await sealed("A256GCM"), "A256CBC-HS512": await sealed("A256CBC-HS512") };
  const inner = new MemoryStore();
  await sealedStore(inner, await storeKeys()).set(STORED_KEY, STORED_VALUE, { ttl: 3600 });
  return { runtime, cookies, stored: (await inner.get(STORED_KEY))! };
}

/** Opens another runtime's fixture here, a minute after it was sealed: one result per fixture. */
export async function openFixture(fixture: Fixture): Promise<Result> {
  return outcome(`interop: opens ${fixture.runtime}'s cookies and store value`, async () => {
    const later = SEALED_AT + 60_000;
    for (const encryption of ["A256GCM", "A256CBC-HS512"] as const) {
      const { id, value } = fixture.cookies[encryption];
      const { body } = await new Client(appOf("hono", options(encryption, later)), value).visit("/read");
      equal(
        [body.invalid, body.isNew, body.id, body.data],
        [null, false, id, { user: "ada", note: NOTE }],
        `${fixture.runtime}'s ${encryption} cookie`,
      );
    }
    const inner = new MemoryStore();
    await inner.set(STORED_KEY, fixture.stored, { ttl: 3600 });
    equal(
      await sealedStore(inner, await storeKeys()).open(STORED_KEY),
      { ok: true, value: STORED_VALUE, rotated: false },
      `${fixture.runtime}'s store value`,
    );
  });
}
