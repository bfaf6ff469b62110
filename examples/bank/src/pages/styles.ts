/** The whole stylesheet, inlined: one request per page, nothing to serve. */
export const STYLES = `
:root { --ink:#1b2430; --muted:#5b6675; --line:#dde3ea; --brand:#0b5cad; --bg:#f4f6f9; --ok:#17703a; --warn:#a0410d; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
.top { display:flex; align-items:center; justify-content:space-between; padding:.8rem 1.5rem; background:var(--brand); color:#fff; }
.top a { color:#fff; text-decoration:none; }
.brand { font-weight:700; font-size:1.2rem; letter-spacing:.02em; }
nav { display:flex; gap:1.2rem; align-items:center; }
nav form { margin:0; }
main { max-width:760px; margin:1.5rem auto; padding:0 1rem; }
h1 { font-size:1.5rem; margin:.2rem 0 1rem; }
h2 { font-size:1.1rem; margin:0 0 .6rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:1.2rem 1.4rem; margin-bottom:1rem; }
.balance { font-size:2rem; font-weight:700; margin:.2rem 0; }
.muted { color:var(--muted); font-size:.9rem; }
.notice { background:#e7f4ec; border:1px solid #b9dfc6; color:var(--ok); padding:.6rem 1rem; border-radius:8px; }
.alert { background:#fdf0e8; border:1px solid #f1c9ae; color:var(--warn); padding:.6rem 1rem; border-radius:8px; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1.2rem; margin:0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; font-variant-numeric:tabular-nums; }
.countdown { font-weight:700; }
.urgent .countdown { color:var(--warn); }
label { display:block; font-weight:600; margin:.8rem 0 .2rem; }
input { width:100%; padding:.55rem .7rem; border:1px solid #b8c2cf; border-radius:6px; font:inherit; }
input[aria-invalid="true"] { border-color:var(--warn); }
.error { color:var(--warn); font-size:.9rem; margin:.2rem 0 0; }
button, a.button { display:inline-block; text-decoration:none; font:inherit; padding:.55rem 1.1rem; border-radius:6px; border:1px solid var(--brand); background:var(--brand); color:#fff; cursor:pointer; }
button.secondary, a.button.secondary { background:#fff; color:var(--brand); }
button:disabled { opacity:.5; cursor:default; }
tr.current td { background:#f7fafd; }
button.link { background:none; border:none; color:#fff; padding:0; text-decoration:underline; }
.actions { display:flex; gap:.6rem; margin-top:1rem; flex-wrap:wrap; }
.actions form { margin:0; }
table { width:100%; border-collapse:collapse; }
td, th { padding:.35rem .4rem; border-bottom:1px solid var(--line); text-align:left; }
td.amount, th.amount { text-align:right; font-variant-numeric:tabular-nums; }
meter { width:100%; height:12px; margin-top:.3rem; }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:999px; background:#e6eef8; color:var(--brand); font-size:.85rem; font-weight:600; }
.badge.kv { background:#fdf0e8; color:var(--warn); }
code { background:#eef1f5; padding:.05rem .3rem; border-radius:4px; }
dialog.edge-session-idle-warning { border:1px solid var(--line); border-radius:10px; padding:1.2rem 1.4rem; max-width:24rem; box-shadow:0 8px 30px rgba(0,0,0,.2); }
dialog.edge-session-idle-warning::backdrop { background:rgba(27,36,48,.45); }
dialog.edge-session-idle-warning p { margin:0 0 1rem; }
footer { text-align:center; color:var(--muted); font-size:.85rem; margin:2rem 0; }
`;
