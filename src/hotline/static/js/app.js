// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // <select data-filterable>: a search box above a long list narrows its options.
  document.querySelectorAll("select[data-filterable]").forEach((select) => {
    const input = document.createElement("input");
    input.type = "search";
    input.placeholder = "输入关键字筛选…";
    input.className = "select-filter";
    input.setAttribute("aria-label", "筛选选项");
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      for (const option of select.options) {
        option.hidden = Boolean(q) && !option.selected && !option.text.toLowerCase().includes(q);
      }
    });
  });
  // <input data-filter-rows="#table">: hide table rows that do not contain the text.
  document.querySelectorAll("input[data-filter-rows]").forEach((input) => {
    const table = document.querySelector(input.dataset.filterRows);
    if (!table) return;
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      for (const row of table.rows) {
        if (row.querySelector("th")) continue;
        row.hidden = Boolean(q) && !row.textContent.toLowerCase().includes(q);
      }
    });
  });
});
