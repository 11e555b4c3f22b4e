// Shows how long the chatter's note is (the page_assets example of docs/hooks.md).
(function () {
  "use strict";
  const box = document.getElementById("chatter-body");
  if (!box) return;
  const counter = document.createElement("p");
  counter.className = "charcount";
  counter.setAttribute("aria-live", "polite");
  box.after(counter);
  const show = () => {
    counter.textContent = box.value.length + " / " + box.maxLength;
  };
  box.addEventListener("input", show);
  show();
})();
