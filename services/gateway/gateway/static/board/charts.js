// The РОП's page: charts drawn from the numbers printed beside them (Chart.js).
(function () {
  "use strict";

  // ---- the РОП's charts: drawn from the numbers printed beside them
  function charts() {
    const raw = document.getElementById("report-data");
    if (!raw || !window.Chart) return;
    const r = JSON.parse(raw.textContent);
    Chart.defaults.locale = "ru-RU"; // «0,5» and «1 000» whatever the browser's language
    Chart.defaults.font.size = 12;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    // A long name on lines of at most 22 characters (Chart.js draws an array as lines): on
    // one line «Не подошёл по портрету (с комментарием)» was cut at the chart's left edge.
    // Only for a chart of a few bars: fifteen stages have no room for a second line each, so
    // there a long name is cut short on the axis with «…» (the tooltip and the table under
    // the chart give it whole).
    const WRAP = 22;
    const SHORT = 24;
    const short = (name) => (name.length > SHORT ? name.slice(0, SHORT - 1).trimEnd() + "…" : name);
    const wrap = (name) => {
      const lines = [];
      for (const word of String(name).split(" ")) {
        const last = lines.length - 1;
        if (last >= 0 && (lines[last] + " " + word).length <= WRAP) lines[last] += " " + word;
        else lines.push(word);
      }
      return lines.length > 1 ? lines : name;
    };
    // `axis`: the values' axis says what they are in (a unit); counts step by whole numbers
    const bar = (id, labels, data, label, color, axis, whole = false) => {
      const el = document.getElementById(id);
      if (!el) return;
      const few = labels.length <= 8;
      const names = few ? labels.map(wrap) : labels;
      const ticks = few ? { autoSkip: false }
        : { autoSkip: false, callback(value) { return short(this.getLabelForValue(value)); } };
      new Chart(el, {
        type: "bar",
        data: { labels: names, datasets: [{ label, data, backgroundColor: color }] },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { ticks },
                             x: { title: { display: true, text: axis },
                                  ticks: whole ? { precision: 0 } : {} } },
                   plugins: { legend: { display: false } } },
      });
    };
    bar("chart-conversion", r.stages.map((s) => s.name), r.stages.map((s) => Math.round((s.share || 0) * 100)), "%", "#2f6fde", "доля сделок, %");
    bar("chart-losses", r.losses.map((s) => s.name), r.losses.map((s) => s.count), "сделок", "#d2523c", "сделок", true);
    const longest = Math.max(0, ...r.time_in_stage.map((s) => s.median_seconds || 0));
    const [unit, per] = longest >= 7200 ? ["часов", 3600] : longest >= 120 ? ["минут", 60] : ["секунд", 1];
    bar("chart-times", r.time_in_stage.map((s) => s.name), r.time_in_stage.map((s) => Math.round((s.median_seconds || 0) / per * 10) / 10), unit, "#4f9a62", `медиана, ${unit}`);
    // The weekly won sums: one chart a currency (rop.py's won_charts), never roubles added to
    // dollars; its axis says the currency and its tooltip the sum as the page prints it (Babel).
    const period = document.getElementById("period-data");
    if (!period) return;
    const p = JSON.parse(period.textContent);
    const day = (from) => from.slice(8, 10) + "." + from.slice(5, 7);
    for (const el of document.querySelectorAll("canvas[data-won]")) {
      const c = p.won_charts[Number(el.dataset.won)];
      new Chart(el, {
        type: "bar",
        data: { labels: p.weeks.map((w) => day(w.from)),
                datasets: [{ label: c.sign, data: c.values, backgroundColor: "#2e7d32" }] },
        // whole numbers on the axis (it read 0, 0,1, 0,2 … over small sums), from zero
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 },
                                  title: { display: true, text: `сумма, ${c.sign}` } } },
                   plugins: { legend: { display: false },
                              tooltip: { callbacks: {
                                title: (items) => `Неделя с ${day(p.weeks[items[0].dataIndex].from)}`,
                                label: (item) => c.shown[item.dataIndex] } } } },
      });
    }
  }
  document.addEventListener("DOMContentLoaded", charts);
})();
