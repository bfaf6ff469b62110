import { cookies } from "next/headers";
import { sessions } from "../lib/session";
import { loginWithForm, logout } from "./actions";

// A server component reads the session (it cannot set cookies); the forms post to server actions.
export default async function Home() {
  const user = await sessions.read(await cookies(), (session) => session.get("user"));
  return user ? (
    <form action={logout}>
      <p>Signed in as {user}.</p>
      <button>Log out</button>
    </form>
  ) : (
    <form action={loginWithForm}>
      <input name="user" placeholder="Your name" required />
      <button>Log in</button>
    </form>
  );
}
