// Plumb's findings filter: keeps the rows whose status, severity and
// service match the selects and whose text holds the search, hides the
// check groups left empty, and opens whatever a link points at. The page
// reads the same without it; the filter bar only shows when it runs.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const bar = $("filters");
  if (!bar) return;
  const selects = { "data-st": $("f-st"), "data-sev": $("f-sev"), "data-svc": $("f-svc") };
  const search = $("f-q");
  const count = $("f-count");
  const groups = Array.from(document.querySelectorAll("details.check"), (el) => ({
    el,
    rows: Array.from(el.querySelectorAll("tr[data-st]")),
    shown: el.querySelector(".shown"),
  }));
  const total = groups.reduce((n, g) => n + g.rows.length, 0);
  const number = (n) => n.toLocaleString("en-US");

  function apply() {
    const wanted = Object.entries(selects).filter(([, el]) => el.value);
    const text = search.value.trim().toLowerCase();
    let shown = 0;
    for (const g of groups) {
      let n = 0;
      for (const row of g.rows) {
        const keep =
          wanted.every(([name, el]) => row.getAttribute(name) === el.value) &&
          (!text || row.textContent.toLowerCase().includes(text));
        row.hidden = !keep;
        if (keep) n++;
      }
      g.el.hidden = n === 0;
      g.shown.textContent = n < g.rows.length ? number(n) + " shown" : "";
      shown += n;
    }
    count.textContent =
      shown === total
        ? number(total) + " findings"
        : number(shown) + " of " + number(total) + " findings";
  }

  function reset() {
    for (const el of Object.values(selects)) el.value = "";
    search.value = "";
    apply();
  }

  // Opens the groups and sections around the link's target, clearing a
  // filter that hides it.
  function reveal() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (!target) return;
    if (target.closest("[hidden]")) reset();
    for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
    target.scrollIntoView({ block: "center" });
  }

  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  });
  for (const el of Object.values(selects)) el.addEventListener("input", apply);
  $("f-reset").addEventListener("click", reset);
  $("f-open").addEventListener("click", () => {
    for (const g of groups) if (!g.el.hidden) g.el.open = true;
  });
  $("f-close").addEventListener("click", () => {
    for (const g of groups) g.el.open = false;
  });
  window.addEventListener("hashchange", reveal);
  bar.hidden = false;
  // A reload may restore the controls' values.
  if (search.value || Object.values(selects).some((el) => el.value)) apply();
  reveal();
})();
