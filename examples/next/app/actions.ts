"use server";

import { cookies } from "next/headers";
import { sessions } from "../lib/session";

export async function login(user: string) {
  await sessions.run(await cookies(), (session) => {
    // A new session id at login (no session fixation): the old cookie no longer opens this session.
    session.regenerate();
    session.set("user", user);
  });
}

/** The login form's action (app/page.tsx). */
export async function loginWithForm(form: FormData) {
  const user = form.get("user");
  if (typeof user === "string" && user) await login(user);
}

export async function logout() {
  await sessions.run(await cookies(), (session) => session.destroy());
}
