/**
 * The page's own script: local times, and the idle countdown of the session card. The countdown follows the
 * idle warning (edge-session/idle-warning), which polls /session/status without extending the session and
 * tells the page each status it learns (event "edge-session:status"); going to the login page at the deadline
 * is the idle warning's job.
 */
export const PAGE_SCRIPT = `
for (const t of document.querySelectorAll("time[data-local]")) {
  t.textContent = new Date(t.dateTime).toLocaleTimeString();
}
(() => {
  const box = document.getElementById("idle");
  if (!box) return;
  const left = document.getElementById("idle-left");
  const shown = document.getElementById("idle-deadline");
  let deadline = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  const show = () => {
    const s = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    left.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    box.classList.toggle("urgent", s <= 60);
  };
  document.addEventListener("edge-session:status", (event) => {
    if (!event.detail.active || event.detail.deadline === null) return;
    deadline = event.detail.deadline;
    if (shown) {
      shown.dateTime = new Date(deadline).toISOString();
      shown.textContent = new Date(deadline).toLocaleTimeString();
    }
    show();
  });
  setInterval(show, 500);
})();
`;
