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

  // The browser's own checks of a field speak the browser's language (an English Chromium
  // says «Please fill out this field»): here each says it in Russian, a pattern by the
  // field's title (which names the format), before the browser shows it.
  const SAID = [
    ["valueMissing", () => "Заполните это поле."],
    ["patternMismatch", (el) => el.title || "Значение не в том виде, что нужен."],
    ["typeMismatch", (el) => el.type === "email"
      ? "Нужен адрес эл. почты, например ivan@example.ru." : "Значение не того вида."],
    ["badInput", () => "Нужно число."],
    ["tooLong", (el) => `Не длиннее ${el.maxLength} знаков.`],
    ["tooShort", (el) => `Не короче ${el.minLength} знаков.`],
    ["rangeUnderflow", (el) => `Не меньше ${el.min}.`],
    ["rangeOverflow", (el) => `Не больше ${el.max}.`],
    ["stepMismatch", () => "Слишком много знаков после запятой."],
  ];
  document.addEventListener("invalid", (e) => {
    const el = e.target;
    if (!el.setCustomValidity) return;
    el.setCustomValidity("");
    const found = SAID.find(([flag]) => el.validity[flag]);
    if (found) el.setCustomValidity(found[1](el));
  }, true);
  const recheck = (e) => {
    // a field said wrong is checked again as it changes (a radio: its whole group)
    const el = e.target;
    const group = el.type === "radio" && el.form ? el.form.querySelectorAll(`[name="${el.name}"]`) : [el];
    for (const one of group) one.setCustomValidity?.("");
  };
  document.addEventListener("change", recheck, true);

  document.addEventListener("input", (e) => {
    const el = e.target;
    recheck(e);
    if (el.matches?.("[data-picks-at]") && el.form?.elements.when) {
      // a task's deadline: a date or a time typed in chooses «дата и время», as it is typed
      el.form.elements.when.value = "at";
    }
  });
})();
