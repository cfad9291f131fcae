// The board's behaviour: htmx settings, dialogs, dragging cards, live updates.
// Every change goes to the gateway (the same handlers as its JSON API); this file only
// places what the server answers.
(function () {
  "use strict";

  // htmx 2 swaps no 4xx by default: a refused move (422) and a stale view (409) bring the
  // dialog to show, so they are swapped too (not as errors).
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409", swap: true, error: false },
    { code: "422", swap: true, error: false },
    { code: "400", swap: true, error: false },
    { code: "[45]..", swap: true, error: true },
  ];

  const csrf = () => document.body.dataset.csrf || "";
  const manager = () => (document.getElementById("board") || {}).dataset?.manager || "";
  let lastFrom = null; // where a dragged card came from, to snap it back
  let dragging = false; // live updates wait while a card is in the hand

  // ---- dialogs: whatever lands in #dialog-slot opens as a modal
  function openDialogs(root) {
    root.querySelectorAll("dialog[data-open]:not([data-ready])").forEach((d) => {
      d.dataset.ready = "1";
      if (!d.open) d.showModal();
      d.addEventListener("close", () => d.remove());
      d.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => d.close()));
      const first = d.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) first.focus();
      if (d.hasAttribute("data-stale")) refreshBoard();
    });
  }
  document.addEventListener("htmx:afterSettle", (e) => openDialogs(e.detail.elt.parentElement || document));

  // ---- cards: put a card (server HTML) where its stage says, or take it off the board;
  // returns the card placed (not connected when it left this board)
  function placeCard(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    const card = tpl.content.firstElementChild;
    if (!card || !card.id) return null;
    const old = document.getElementById(card.id);
    const hadFocus = old && old.contains(document.activeElement); // a keyboard user's card
    const only = manager(); // the РОП's filter by manager: another's deal leaves this board
    const column = only && card.dataset.responsible !== only
      ? null
      : document.querySelector(`.columns .cards[data-stage="${card.dataset.stage}"]`);
    if (old && old.parentElement === column) {
      old.replaceWith(card);
    } else {
      if (old) old.remove();
      if (column) column.prepend(card);
    }
    if (card.isConnected) {
      htmx.process(card);
      if (hadFocus) card.querySelector(".title")?.focus();
    }
    refreshHeads();
    return card;
  }

  let headsTimer = null;
  function refreshHeads() {
    if (!document.getElementById("board")) return;
    clearTimeout(headsTimer);
    headsTimer = setTimeout(() => {
      htmx.ajax("GET", `/board/heads?manager=${encodeURIComponent(manager())}`, { target: "#toast", swap: "none" });
    }, 150);
  }

  function refreshBoard() {
    const board = document.getElementById("board");
    if (!board) return;
    htmx.ajax("GET", `/board/columns?manager=${encodeURIComponent(manager())}`, { target: "#board", swap: "innerHTML" });
  }

  function snapBack(card) {
    if (lastFrom && lastFrom.list) {
      const ref = lastFrom.list.children[lastFrom.index] || null;
      lastFrom.list.insertBefore(card, ref);
    }
  }

  async function moveCard(card, toStage) {
    const body = new URLSearchParams({ to_stage: toStage, expected_version: card.dataset.version });
    const started = performance.now();
    const reply = await fetch(`/board/deals/${card.dataset.id}/move`, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    const html = await reply.text();
    if (reply.ok) {
      placeCard(html);
      if (!document.getElementById(card.id)?.closest(".columns")) document.getElementById(card.id)?.remove();
      (window.crmMoveTimes = window.crmMoveTimes || []).push(performance.now() - started);
      document.dispatchEvent(new CustomEvent("crm:moved", { detail: { id: card.dataset.id, stage: toStage } }));
      return;
    }
    snapBack(card);
    if (reply.status === 401) { window.location = "/signin"; return; }
    const slot = document.getElementById("dialog-slot");
    slot.innerHTML = html;
    htmx.process(slot);
    openDialogs(slot);
  }

  // The keyboard: on a focused card, → and ← move it to the next or previous column (the
  // server decides, as for a drag), and the focus stays on the card in its new place.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const card = e.target.closest && e.target.closest("#board .columns .card");
    if (!card) return;
    const lists = [...document.querySelectorAll("#board .columns .cards")];
    const at = lists.indexOf(card.parentElement);
    const to = lists[at + (e.key === "ArrowRight" ? 1 : -1)];
    if (!to) return;
    e.preventDefault();
    lastFrom = { list: card.parentElement, index: [...card.parentElement.children].indexOf(card) };
    to.prepend(card);
    card.querySelector(".title")?.focus();
    moveCard(card, to.dataset.stage).then(() => {
      document.querySelector(`#deal-${card.dataset.id} .title`)?.focus();
    });
  });

  function makeSortable() {
    if (!window.Sortable) return;
    document.querySelectorAll("#board .cards").forEach((list) => {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: { name: "board", pull: !list.classList.contains("drop-target"), put: true },
        sort: false,
        draggable: ".card",
        animation: 120,
        forceFallback: true, // mouse and touch events: the same on a laptop and a tablet
        onStart: (evt) => { dragging = true; lastFrom = { list: evt.from, index: evt.oldIndex }; },
        onEnd: (evt) => {
          dragging = false;
          if (evt.to === evt.from) return;
          moveCard(evt.item, evt.to.dataset.stage);
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", makeSortable);
  document.addEventListener("htmx:afterSettle", makeSortable);

  // the dialog of missing fields (and other move forms): a success places the card
  document.addEventListener("htmx:beforeSwap", (e) => {
    const form = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (!form || !e.detail.xhr || e.detail.xhr.status !== 200) return;
    if (form.matches("[data-places-card]")) {
      e.detail.shouldSwap = false;
      const card = placeCard(e.detail.serverResponse);
      const dialog = form.closest("dialog");
      if (dialog) dialog.close(); // gives the focus back to what had it: the card replaced
      // so the focus goes to the moved card in its new place (a keyboard user goes on there)
      if (card && card.isConnected) card.querySelector(".title")?.focus();
    } else if (form.matches("[data-reloads]")) {
      e.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  // ---- live: events from /api/events (the htmx SSE extension keeps the connection)
  let wasLost = false;
  // Events are gathered for a moment: each changed card is fetched once, and a burst
  // (a flood of leads) reloads the columns in one request instead of card by card.
  const pending = new Set();
  let flushTimer = null;
  function showDeal(id, onlyIfShown) {
    if (!document.getElementById("board")) return;
    if (onlyIfShown && !document.getElementById(`deal-${id}`)) return;
    pending.add(id);
    if (!flushTimer) flushTimer = setTimeout(flush, 120);
  }
  async function flush() {
    flushTimer = null;
    if (dragging) { flushTimer = setTimeout(flush, 150); return; }
    const ids = [...pending];
    pending.clear();
    if (ids.length > 15) { refreshBoard(); return; }
    await Promise.all(ids.map(async (id) => {
      const reply = await fetch(`/board/cards/${id}`, { headers: { "HX-Request": "true" } });
      if (reply.ok) placeCard(await reply.text());
      // gone, or no longer the viewer's (reassigned: the feed tells the previous responsible)
      else if (reply.status === 403 || reply.status === 404) document.getElementById(`deal-${id}`)?.remove();
    }));
  }
  document.addEventListener("htmx:sseBeforeMessage", (e) => {
    e.preventDefault(); // nothing is swapped as it is; the event says what to fetch
    let event;
    try { event = JSON.parse(e.detail.data); } catch (_) { return; }
    const data = event.data || {};
    const type = e.detail.type || event.type || "";
    if (type === "crm.notify.v1") {
      htmx.trigger(document.body, "crm:inbox"); // my own notification: the badge counts anew
      document.dispatchEvent(new CustomEvent("crm:notified", { detail: data }));
      return;
    }
    if (type.startsWith("crm.deal.")) {
      const id = data.deal_id || (data.deal && data.deal.id);
      if (!id) return;
      // an update shows only a card already here, unless the deal changed hands: then it
      // comes to the new responsible's board and leaves the previous one's (403)
      const handedOver = (data.changed || []).includes("responsible_id");
      showDeal(id, type.startsWith("crm.deal.updated") && !handedOver);
    } else if (type.startsWith("crm.task.")) {
      const task = data.task || {};
      if (task.deal_id) showDeal(task.deal_id, true);
    }
    document.dispatchEvent(new CustomEvent("crm:live", { detail: { type } }));
  });
  document.addEventListener("htmx:sseError", () => { wasLost = true; document.body.dataset.live = "lost"; });
  document.addEventListener("htmx:sseOpen", () => {
    if (wasLost) { wasLost = false; refreshBoard(); htmx.trigger(document.body, "crm:inbox"); }
    document.body.dataset.live = "on";
  });

  // ---- the РОП's charts: drawn from the numbers printed beside them
  function charts() {
    const raw = document.getElementById("report-data");
    if (!raw || !window.Chart) return;
    const r = JSON.parse(raw.textContent);
    Chart.defaults.locale = "ru-RU"; // «0,5» and «1 000» whatever the browser's language
    Chart.defaults.font.size = 12;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    const bar = (id, labels, data, label, color) => {
      const el = document.getElementById(id);
      if (!el) return;
      new Chart(el, {
        type: "bar",
        data: { labels, datasets: [{ label, data, backgroundColor: color }] },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { ticks: { autoSkip: false } } },
                   plugins: { legend: { display: false } } },
      });
    };
    bar("chart-conversion", r.stages.map((s) => s.name), r.stages.map((s) => Math.round((s.share || 0) * 100)), "%", "#2f6fde");
    bar("chart-losses", r.losses.map((s) => s.name), r.losses.map((s) => s.count), "сделок", "#d2523c");
    const longest = Math.max(0, ...r.time_in_stage.map((s) => s.median_seconds || 0));
    const [unit, per] = longest >= 7200 ? ["часов", 3600] : longest >= 120 ? ["минут", 60] : ["секунд", 1];
    bar("chart-times", r.time_in_stage.map((s) => s.name), r.time_in_stage.map((s) => Math.round((s.median_seconds || 0) / per * 10) / 10), unit, "#4f9a62");
    const period = document.getElementById("period-data");
    const won = document.getElementById("chart-won");
    if (period && won) {
      const p = JSON.parse(period.textContent);
      const total = (sums) => Object.values(sums || {}).reduce((a, v) => a + Number(v), 0);
      new Chart(won, {
        type: "bar",
        data: { labels: p.weeks.map((w) => w.from.slice(8, 10) + "." + w.from.slice(5, 7)),
                datasets: [{ label: "Сумма", data: p.weeks.map((w) => total(w.won.sum)), backgroundColor: "#2e7d32" }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
      });
    }
  }
  document.addEventListener("DOMContentLoaded", charts);
})();
