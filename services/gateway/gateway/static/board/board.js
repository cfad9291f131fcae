// The board's behaviour: htmx settings, dialogs, dragging cards, live updates.
// Every change goes to the gateway (the same handlers as its JSON API); this file only
// places what the server answers.
(function () {
  "use strict";

  // htmx 2 swaps no 4xx by default: a refused move (422) and a stale view (409) bring the
  // dialog to show, so they are swapped too (not as errors). Any other 4xx/5xx is never
  // swapped into the page: htmx:beforeSwap below shows our own dialog, or says in words
  // what went wrong (a 500's "Internal Server Error" or a JSON body is no text for people).
  htmx.config.responseHandling = [
    { code: "204", swap: false }, { code: "[23]..", swap: true },
    ...["409", "422", "400"].map((code) => ({ code, swap: true, error: false })),
    { code: "[45]..", swap: false, error: false },
  ];

  const csrf = () => document.body.dataset.csrf || "";
  const manager = () => (document.getElementById("board") || {}).dataset?.manager || "";
  let lastFrom = null; // where a dragged card came from, to snap it back
  let dragging = false; // live updates wait while a card is in the hand

  // ---- what went wrong, in words (the texts are in base.html, #problem-texts)
  function problemText(status) {
    const texts = JSON.parse(document.getElementById("problem-texts")?.textContent || "{}");
    if (!status) return texts.network || "";
    return texts[String(status)] || texts[status >= 500 ? "5xx" : "4xx"] || "";
  }
  function problem(status) {
    const slot = document.getElementById("dialog-slot");
    const tpl = document.getElementById("problem-dialog");
    if (!slot || !tpl) return;
    // On top of a dialog already open (a form answered with a 5xx or not at all): its form
    // and what was typed stay, and so does its Idempotency-Key for the person's next try.
    slot.querySelectorAll("dialog").forEach((d) => { if (d.querySelector("[data-problem]")) d.remove(); });
    const shown = tpl.content.cloneNode(true);
    shown.querySelector("[data-problem]").textContent = problemText(status);
    slot.append(shown);
    openDialogs(slot);
  }
  // Our own answers are HTML: a dialog for #dialog-slot (HX-Retarget), or the form of a 400,
  // 409 or 422 shown again. Anything else (JSON, plain text) is said in words instead.
  function ours(status, headers) {
    const html = (headers.get("content-type") || "").startsWith("text/html");
    return html && (!!headers.get("HX-Retarget") || [400, 409, 422].includes(status));
  }
  function signInAgain(redirect) {
    const here = location.pathname + location.search;
    window.location = redirect || `/signin?next=${encodeURIComponent(here)}`;
  }

  // ---- every change carries an Idempotency-Key and is disabled while it is in flight:
  // a double click sends one request, and a retry after a lost answer changes nothing twice
  // (the gateway hands the key to the services as the commands' request_id).
  // The same move of the same version is the same change, however often it is sent (a drag
  // retried after a failure): one key for it in this tab (at most 64 characters, a UUID).
  const moveKeys = new Map();
  function moveKey(id, version, stage) {
    const move = `${id}|${version}|${stage}`;
    if (!moveKeys.has(move)) moveKeys.set(move, newKey());
    return moveKeys.get(move);
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // also off a secure context
    return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  const changes = (e) => (e.detail.verb || e.detail.requestConfig?.verb || "get").toLowerCase() !== "get";
  document.addEventListener("htmx:configRequest", (e) => {
    if (!changes(e)) return;
    const elt = e.detail.elt;
    // One key per form (or button) until a 2xx/4xx answer comes: a resend after a network
    // failure or a 5xx (a service that did not answer in time may have made the change) is
    // the same change; after an answer the next submit is a new one.
    if (!elt.dataset.retryKey) elt.dataset.retryKey = newKey();
    e.detail.headers["Idempotency-Key"] = elt.dataset.retryKey;
  });
  document.addEventListener("htmx:beforeRequest", (e) => {
    if (!changes(e)) return;
    const elt = e.detail.elt;
    const buttons = elt.matches("form") ? [...elt.querySelectorAll("button:not([type=button])")] : [elt];
    elt._busy = buttons.filter((b) => !b.disabled);
    elt._busy.forEach((b) => { b.disabled = true; b.setAttribute("aria-busy", "true"); });
  });
  document.addEventListener("htmx:afterRequest", (e) => {
    const elt = e.detail.elt;
    (elt._busy || []).forEach((b) => { b.disabled = false; b.removeAttribute("aria-busy"); });
    elt._busy = null;
    const status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status > 0 && status < 500) delete elt.dataset.retryKey;
  });
  document.addEventListener("htmx:sendError", () => problem(0));
  document.addEventListener("htmx:beforeSwap", (e) => {
    const xhr = e.detail.xhr;
    if (!xhr || xhr.status < 400) return;
    const headers = { get: (name) => xhr.getResponseHeader(name) };
    e.detail.isError = false;
    e.detail.shouldSwap = ours(xhr.status, headers);
    if (e.detail.shouldSwap) return;
    // A request the page made by itself (the inbox badge: X-Background) does not take the
    // person away from what they type: the page stays; their own next step goes to sign in.
    if (xhr.status === 401 && !e.detail.requestConfig?.headers?.["X-Background"]) {
      signInAgain(xhr.getResponseHeader("HX-Redirect"));
    } else problem(xhr.status);
  });

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
    if (old && old.parentElement === column) old.replaceWith(card);
    else { old?.remove(); column?.prepend(card); }
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

  function snapBack(card, from) {
    if (from && from.list) {
      const ref = from.list.children[from.index] || null;
      from.list.insertBefore(card, ref);
    }
  }

  async function moveCard(card, toStage) {
    const from = lastFrom;
    const target = document.querySelector(`#board .cards[data-stage="${toStage}"]`);
    if (target && target.hasAttribute("data-comment-required")) {
      // a failure stage that needs «Комментарий при провале»: ask for it first, move nothing
      snapBack(card, from);
      const url = `/board/deals/${card.dataset.id}/move?to_stage=${encodeURIComponent(toStage)}`;
      htmx.ajax("GET", url, { target: "#dialog-slot", swap: "innerHTML" });
      return;
    }
    const body = new URLSearchParams({ to_stage: toStage, expected_version: card.dataset.version });
    const started = performance.now();
    card.classList.add("moving"); // not dragged again until the server answers
    card.setAttribute("aria-busy", "true");
    let reply, html;
    try {
      reply = await fetch(`/board/deals/${card.dataset.id}/move`, {
        method: "POST",
        headers: {
          "X-CSRF-Token": csrf(), "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded",
          "Idempotency-Key": moveKey(card.dataset.id, card.dataset.version, toStage),
        },
        body,
      });
      html = await reply.text();
    } catch (_) {
      reply = null; // no answer at all: the network, or the gateway is away
    } finally {
      card.classList.remove("moving");
      card.removeAttribute("aria-busy");
    }
    if (reply && reply.ok) {
      placeCard(html);
      if (!document.getElementById(card.id)?.closest(".columns")) document.getElementById(card.id)?.remove();
      (window.crmMoveTimes = window.crmMoveTimes || []).push(performance.now() - started);
      document.dispatchEvent(new CustomEvent("crm:moved", { detail: { id: card.dataset.id, stage: toStage } }));
      return;
    }
    snapBack(card, from);
    card.querySelector(".title")?.focus({ preventScroll: true });
    if (!reply) { problem(0); return; }
    if (reply.status === 401) { signInAgain(reply.headers.get("HX-Redirect")); return; }
    if (!ours(reply.status, reply.headers)) { problem(reply.status); return; }
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
    if (!card || card.classList.contains("moving")) return; // its last move is in flight
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

  // Where a card was let go: the column or drop zone under the pointer, a zone by any part
  // (its title too); none off them, where Sortable left it in the last column it crossed.
  function releasedOn(evt) {
    const e = evt.originalEvent, p = (e && e.changedTouches && e.changedTouches[0]) || e;
    if (!p || typeof p.clientX !== "number") return evt.to;
    const zone = document.elementFromPoint(p.clientX, p.clientY)?.closest(".drop, .column");
    return zone ? zone.querySelector(".cards[data-stage]") : null;
  }

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
        // On a touch screen a card is taken by a long press; a swipe that starts on a card
        // scrolls the column (the finger moved before the press was long enough).
        delay: 300,
        delayOnTouchOnly: true,
        touchStartThreshold: 8,
        filter: ".moving", // a card whose move is in flight stays put
        preventOnFilter: false,
        onStart: (evt) => { dragging = true; lastFrom = { list: evt.from, index: evt.oldIndex }; },
        onEnd: (evt) => {
          dragging = false;
          const to = releasedOn(evt);
          if (!to || to === evt.from) { snapBack(evt.item, lastFrom); return; }
          if (to !== evt.to) to.prepend(evt.item);
          moveCard(evt.item, to.dataset.stage);
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
    if (form.matches("[data-places-card]") && !document.getElementById("board")) {
      // the dialog opened on the deal's own page: there is no column to place a card in,
      // and the page (stage, fields, task, story) must show the deal as it now is
      e.detail.shouldSwap = false;
      window.location.reload();
    } else if (form.matches("[data-places-card]")) {
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

  // what live.js needs of the board
  window.crmBoard = { placeCard, refreshBoard, dragging: () => dragging };
})();
