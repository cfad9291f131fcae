// What the board's forms do as they are filled in. The page's CSP runs no inline handler
// (no onchange= in a template): each behaviour is delegated from the document here, so it
// holds for forms htmx brings in later too.
(function () {
  "use strict";

  document.addEventListener("change", (e) => {
    const el = e.target;
    if (!el.matches) return;
    if (el.matches("select[name=delivery_method]")) {
      // the deal card: the delivery address is asked for a deal delivered
      const box = el.form?.querySelector("[data-when-delivery]");
      if (box) box.hidden = el.value !== "delivery";
    } else if (el.matches("select[name=to_stage]")) {
      // the failure comment for a move to a stage that needs one
      const box = el.form?.querySelector("[data-when-comment]");
      const needed = !!el.selectedOptions[0]?.hasAttribute("data-comment-required");
      const text = box?.querySelector("textarea");
      if (box) { box.hidden = !needed; text.required = needed; text.disabled = !needed; }
    } else if (el.matches("select[data-autosubmit]")) {
      // a filter that applies itself when chosen
      el.form.submit();
    } else if (el.matches("input[type=file]")) {
      // a file input's Russian face (its native one is hidden): the chosen file's name
      const shown = el.closest(".file-pick")?.querySelector("[data-file-name]");
      if (!shown) return;
      shown.dataset.none ??= shown.textContent;
      shown.textContent = el.files?.[0]?.name || shown.dataset.none;
    }
  });

  document.addEventListener("input", (e) => {
    const el = e.target;
    if (el.matches?.("[data-picks-at]") && el.form?.elements.when) {
      // a task's deadline: a date or a time typed in chooses «дата и время», as it is typed
      el.form.elements.when.value = "at";
    }
  });
})();
