import { verifyPassword } from "./auth.js";

export interface DemoUser {
  username: string;
  name: string;
  iban: string;
  /** Opening balance in cents. */
  openingBalance: number;
  passwordHash: string;
}

/** Shown on the login page: this is a demo, the password is public. */
export const DEMO_CREDENTIALS = { username: "alice", password: "rabbit-hole-1865" } as const;

const USERS: readonly DemoUser[] = [
  {
    username: "alice",
    name: "Alice Liddell",
    iban: "GB33BUKB20201555555555",
    openingBalance: 1_234_567,
    passwordHash: "pbkdf2-sha256$100000$mwJ9YAJKbxXJkB_ruNfK1g$3_Jm8zC3OeO6A_leEpBAgVjO3imhut6AB5Ef31kOvY8",
  },
];

// Unknown users are checked against this hash too, so a wrong username takes as long as a wrong password.
const NOBODY_HASH = "pbkdf2-sha256$100000$9LwROkc6rDdhPqEiceGeBQ$4wn_E2UEO6JzIBdTqfNqacN4JiOUu0Fdw2YxP2o3NQc";

export function findUser(username: string): DemoUser | undefined {
  return USERS.find((user) => user.username === username);
}

/** The user whose password this is, or undefined. */
export async function checkLogin(username: string, password: string): Promise<DemoUser | undefined> {
  const user = findUser(username.trim().toLowerCase());
  const matches = await verifyPassword(password, user?.passwordHash ?? NOBODY_HASH);
  return matches ? user : undefined;
}
