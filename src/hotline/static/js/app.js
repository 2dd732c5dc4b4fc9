// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The phone's menu button: the side navigation opens below the header and closes again.
  const toggle = document.getElementById("menu-toggle");
  const nav = document.getElementById("side-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
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
  // <input data-filter-tree="#list">: in a tree of <li>, keep the items whose own line holds
  // the text, with their ancestors opened to show them.
  document.querySelectorAll("input[data-filter-tree]").forEach((input) => {
    const tree = document.querySelector(input.dataset.filterTree);
    if (!tree) return;
    const items = Array.from(tree.querySelectorAll("li")).reverse();  // children before parents
    const own = (li) => (li.querySelector(":scope > details > summary") || li).textContent.toLowerCase();
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      for (const li of items) {
        const shownChild = li.querySelector(":scope > details > ul > li:not([hidden])");
        li.hidden = Boolean(q) && !shownChild && !own(li).includes(q);
        const details = li.querySelector(":scope > details");
        if (details && q) details.open = Boolean(shownChild);
      }
    });
  });
  // A link to #id inside closed <details> (the category saved a moment ago): open the way to it.
  if (location.hash.length > 1) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (let node = target && target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (target) target.scrollIntoView({ block: "center" });
  }
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

// --- work orders ---------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  // <form data-ctrl-enter>: Ctrl+Enter (⌘+Enter) submits from any field.
  document.querySelectorAll("form[data-ctrl-enter]").forEach((form) => {
    // After a refused submit, the cursor goes to the first field with a message.
    const wrong = form.querySelector(".field.error input:not([type=hidden]), .field.error select, .field.error textarea");
    if (wrong) wrong.focus();
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  });
  // <input data-enter-next>: Enter looks the value up (change) and moves on instead of submitting.
  document.querySelectorAll("input[data-enter-next]").forEach((input) => {
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      const fields = Array.from(input.form.querySelectorAll("input:not([type=hidden]), select, textarea"));
      const next = fields[fields.indexOf(input) + 1];
      if (next) next.focus();  // leaving the field fires its change event
    });
  });
  // <fieldset data-only-for-type="report">: shown (and submitted) only for that appeal type.
  const appealType = document.querySelector("select[name=appeal_type]");
  if (appealType) {
    const sync = () => {
      document.querySelectorAll("[data-only-for-type]").forEach((box) => {
        box.disabled = appealType.value !== box.dataset.onlyForType;
      });
    };
    appealType.addEventListener("change", sync);
    sync();
  }
  // Callback forms: the questions for a reached citizen hide when the call was not answered.
  document.querySelectorAll("form[data-callback-form]").forEach((form) => {
    const sync = () => {
      const unreached = form.querySelector("input[name=reached][value='0']").checked;
      form.querySelectorAll("[data-when-reached]").forEach((row) => {
        row.hidden = unreached;
        row.querySelectorAll("input").forEach((input) => { input.disabled = unreached; });
      });
    };
    form.querySelectorAll("input[name=reached]").forEach((r) => r.addEventListener("change", sync));
    sync();
  });
});
// [data-fill-target][data-fill-value] arriving by htmx: fill the target field if it is empty
// (the caller's known name from the history lookup).
document.addEventListener("htmx:afterSwap", (event) => {
  event.detail.target.querySelectorAll("[data-fill-target]").forEach((el) => {
    const target = document.querySelector(el.dataset.fillTarget);
    if (target && !target.value.trim()) target.value = el.dataset.fillValue;
  });
});
// <button data-pick="#select" data-value="id">: choose that option (the suggested units).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-pick]");
  if (!button) return;
  const select = document.querySelector(button.dataset.pick);
  if (!select) return;
  select.value = button.dataset.value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  select.focus();
});

// --- knowledge base ------------------------------------------------------------------------
// The assistant's chat: after each exchange clear the question and show the newest reply.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || form.id !== "chat-form") return;
  form.querySelector("textarea").value = "";
  form.querySelector("textarea").focus();
  const log = document.getElementById("chat-log");
  if (log && log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "nearest" });
});
// Enter sends the question (Shift+Enter for a new line).
document.addEventListener("keydown", (event) => {
  const area = event.target;
  if (!(area instanceof HTMLTextAreaElement) || area.id !== "chat-q") return;
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    area.form.requestSubmit();
  }
});
