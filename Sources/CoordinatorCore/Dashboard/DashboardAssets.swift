/// The dashboard's stylesheet and script, compiled into the coordinator: no files to deploy,
/// no build chain. Served with a long cache lifetime under a path that names this build.
enum DashboardAssets {
    static let stylesheet = """
        :root { --ink: #1d2430; --muted: #5d6b7e; --line: #d9dee6; --bg: #f6f7f9; --card: #fff; --accent: #2457c5;
                --queued: #8a94a6; --running: #2f7de1; --succeeded: #2e9d5b; --failed: #d64545; --skipped: #c49a1a; --canceled: #6b5fb5; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #17202e; color: #fff; }
        header a { color: #cfd8e6; text-decoration: none; }
        header .brand { font-weight: 700; color: #fff; }
        header nav { display: flex; gap: 16px; flex: 1; }
        header nav a[aria-current] { color: #fff; border-bottom: 2px solid #7fb0ff; }
        header .signout { margin: 0; display: flex; gap: 8px; align-items: center; }
        header .role { color: #9fb0c8; font-size: 12px; text-transform: uppercase; }
        main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; }
        h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 16px; margin: 24px 0 8px; }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.attention td { background: #fff4f2; }
        .detail { color: var(--muted); font-size: 12px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--queued); }
        .state-online, .state-succeeded { background: var(--succeeded); } .state-running, .state-claimed { background: var(--running); }
        .state-failed, .state-offline, .state-engine-unavailable { background: var(--failed); } .state-skipped, .state-draining, .state-paused, .state-pending { background: var(--skipped); }
        .state-canceled, .state-removed { background: var(--canceled); } .state-queued, .state-requeued { background: var(--queued); }
        .bar { display: flex; height: 10px; min-width: 120px; border-radius: 5px; overflow: hidden; background: var(--line); }
        .bar span { display: block; height: 100%; }
        .label { display: inline-block; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; color: var(--ink); text-decoration: none; background: #fafbfc; }
        .filters, .submit, .signin { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 0 0 16px; }
        .submit, .signin { flex-direction: column; align-items: start; max-width: 560px; background: var(--card); padding: 16px; border: 1px solid var(--line); }
        .submit fieldset { border: 1px solid var(--line); display: flex; flex-direction: column; gap: 8px; }
        input, select { font: inherit; padding: 4px 6px; border: 1px solid #b9c2cf; border-radius: 4px; }
        button { font: inherit; padding: 4px 12px; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
        button.danger { background: var(--failed); border-color: var(--failed); }
        form.action { display: inline-block; margin: 0 8px 12px 0; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 16px; }
        .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        .error { color: #8f1d1d; background: #fdecec; border: 1px solid #f3b7b7; padding: 8px 12px; border-radius: 4px; }
        .notice { background: #eef4ff; border: 1px solid #c4d6fb; padding: 8px 12px; border-radius: 4px; }
        section.error h2, section.notice h2 { margin-top: 0; }
        .empty { color: var(--muted); }
        .chart { width: 100%; max-width: 900px; background: var(--card); border: 1px solid var(--line); padding: 8px; }
        .chart .bar-saved { fill: var(--succeeded); } .chart text { font-size: 10px; fill: var(--muted); } .chart .label { fill: var(--ink); font-size: 11px; }
        .total { font-size: 16px; }
        .pager { margin-top: 12px; }
        code { font-size: 12px; }
        """

    /// Reloads a live page's `<main>` when the server says the fleet changed (and once when the
    /// stream opens, for what changed since the page was rendered), at most once a second;
    /// asks before every action.
    static let script = """
        "use strict";
        document.addEventListener("submit", (event) => {
          const form = event.target;
          const question = form.getAttribute("data-confirm");
          if (!question) return;
          if (!window.confirm(question)) { event.preventDefault(); return; }
          const confirmed = document.createElement("input");
          confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "yes";
          form.appendChild(confirmed);
        });
        (function () {
          if (!document.querySelector("main[data-live]") || !window.EventSource) return;
          // A change that arrives while a reload runs is not dropped: one more reload follows.
          let running = false, again = false, last = 0;
          async function reloadOnce() {
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, last + 1000 - Date.now())));
            last = Date.now();
            const response = await fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
            if (response.redirected || !response.ok) { location.reload(); return; }
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            const fresh = page.querySelector("main");
            const main = document.querySelector("main");
            const focused = document.activeElement;
            // Never replace a form someone is typing in.
            if (fresh && main && (!focused || focused === document.body || !main.contains(focused))) {
              main.innerHTML = fresh.innerHTML;
              if (!fresh.hasAttribute("data-live")) { main.removeAttribute("data-live"); source.close(); }
            }
          }
          async function reload() {
            if (running) { again = true; return; }
            running = true;
            try {
              do { again = false; await reloadOnce(); } while (again);
            } finally { running = false; }
          }
          const source = new EventSource("\(DashboardPath.events)");
          source.addEventListener("change", reload);
          // What changed between rendering this page and opening (or reopening) the stream.
          source.addEventListener("open", reload);
        })();
        """
}
