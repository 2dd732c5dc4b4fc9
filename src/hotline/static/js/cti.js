// The agent's seat panel on the intake console (受理台): when a call pops (#cti-pop arriving by
// htmx or with the page), fill the order form from it once per call — the caller's number
// (left blank for roles that see it masked: the server takes it from the call), channel
// "phone" and the hidden call reference that keeps the call on the order.
(() => {
  const apply = (root) => {
    if (!root || !root.querySelector) return;
    const pop = root.id === "cti-pop" ? root : root.querySelector("#cti-pop");
    const ref = document.getElementById("f-call_ref");
    if (!pop || !ref || ref.value === pop.dataset.call) return;
    ref.value = pop.dataset.call;
    const phone = document.getElementById("f-phone");
    if (phone) {
      phone.value = pop.dataset.phone || "";
      if (!pop.dataset.phone) phone.placeholder = "号码已隐藏，按来电登记";
      if (phone.value) phone.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const channel = document.getElementById("f-channel");
    if (channel) channel.value = "phone";
    const note = document.getElementById("f-call-note");
    if (note) note.textContent = `本工单将关联当前来电（${pop.dataset.caller || "未显示号码"}）`;
  };
  document.addEventListener("htmx:load", (event) => apply(event.detail.elt));
  document.addEventListener("DOMContentLoaded", () => apply(document.body));
})();
