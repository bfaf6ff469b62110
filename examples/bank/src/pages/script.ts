/**
 * The only script: local times, and the idle countdown on pages that have one. The countdown asks
 * /session/status, which does not extend the session (skipRoll), so an open tab never keeps you logged in;
 * once the server says the session is over, the page goes to the login page, which tells why.
 */
export const PAGE_SCRIPT = `
for (const t of document.querySelectorAll("time[data-local]")) {
  t.textContent = new Date(t.dateTime).toLocaleTimeString();
}
(() => {
  const box = document.getElementById("idle");
  if (!box) return;
  const left = document.getElementById("idle-left");
  const deadline = document.getElementById("idle-deadline");
  let secondsAtSync = Number(box.dataset.secondsLeft);
  let syncedAt = Date.now();
  const show = () => {
    const s = Math.max(0, Math.ceil(secondsAtSync - (Date.now() - syncedAt) / 1000));
    left.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    box.classList.toggle("urgent", s <= 60);
    return s;
  };
  const sync = async () => {
    try {
      const res = await fetch("/session/status", { cache: "no-store", headers: { Accept: "application/json" } });
      const status = await res.json();
      if (!status.loggedIn) return location.assign("/login");
      secondsAtSync = status.idleSecondsLeft;
      syncedAt = Date.now();
      if (deadline) {
        deadline.dateTime = new Date(status.idleDeadline).toISOString();
        deadline.textContent = new Date(status.idleDeadline).toLocaleTimeString();
      }
      show();
    } catch {}
  };
  sync();
  setInterval(sync, 15000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
  // At zero, ask the server (which does not roll) until it agrees: a page load here would extend the session.
  let asking = false;
  setInterval(() => {
    if (show() > 0 || asking) return;
    asking = true;
    sync().finally(() => { asking = false; });
  }, 500);
})();
`;
