// The board live: one SSE connection a tab (/board/live: the deal and task events and my
// notifications); each event says which card to fetch anew, or that my inbox changed.
(function () {
  "use strict";
  const board = window.crmBoard;

  // ---- live: events from /board/live (the htmx SSE extension keeps the connection)
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
    if (board.dragging()) { flushTimer = setTimeout(flush, 150); return; }
    const ids = [...pending];
    pending.clear();
    if (ids.length > 15) { board.refreshBoard(); return; }
    await Promise.all(ids.map(async (id) => {
      const reply = await fetch(`/board/cards/${id}`, { headers: { "HX-Request": "true" } });
      if (reply.ok) board.placeCard(await reply.text());
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
    if (type === "crm.notify.read.v1") {
      // my notifications read elsewhere (another tab) or by themselves (a refusal the deal
      // got past): the badge counts anew
      htmx.trigger(document.body, "crm:inbox");
      return;
    }
    if (type.startsWith("crm.deal.")) {
      const id = data.deal_id || (data.deal && data.deal.id);
      if (!id) return;
      // a card already drawn at this version (the mover's own, from the move's reply) is
      // not fetched again
      const version = data.version || (data.deal && data.deal.version);
      const shown = document.getElementById(`deal-${id}`);
      const current = shown && version && Number(shown.dataset.version) >= version;
      // an update shows only a card already here, unless the deal changed hands: then it
      // comes to the new responsible's board and leaves the previous one's (403)
      const handedOver = (data.changed || []).includes("responsible_id");
      // a note changes no field, only whether the deal sits idle, and crm.deal.idle (to
      // everyone who sees the deal: its responsible, every РОП) marks it «засиделась»:
      // a card already here
      const onlyHere = type.startsWith("crm.deal.updated") || type.startsWith("crm.deal.noted")
        || type.startsWith("crm.deal.idle.");
      if (!current) showDeal(id, onlyHere && !handedOver);
    } else if (type.startsWith("crm.task.")) {
      const task = data.task || {};
      if (task.deal_id) showDeal(task.deal_id, true);
    }
    document.dispatchEvent(new CustomEvent("crm:live", { detail: { type } }));
  });
  document.addEventListener("htmx:sseError", () => { wasLost = true; document.body.dataset.live = "lost"; });
  document.addEventListener("htmx:sseOpen", () => {
    // The first connection started where the page was drawn (?from=…: what came between is
    // replayed); a reconnect resumes from its Last-Event-ID, or, a new connection after a
    // loss, at the end with the board drawn anew: never again from the page's moment.
    document.getElementById("live-feed")?.setAttribute("sse-connect", "/board/live");
    if (wasLost) { wasLost = false; board.refreshBoard(); htmx.trigger(document.body, "crm:inbox"); }
    document.body.dataset.live = "on";
  });

})();
