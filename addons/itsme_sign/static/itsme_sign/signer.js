// The signer's signature pad: pointer strokes on a canvas, kept as a PNG in
// the hidden "drawn" input when the form is sent. Typing instead is a radio
// away (host.js shows the matching part through data-show-if).
(function () {
  "use strict";
  const form = document.querySelector("[data-sign-pad-form]");
  if (!form) return;
  const pad = form.querySelector("[data-sign-pad]");
  const drawn = form.querySelector("[data-sign-drawn]");
  const context = pad.getContext("2d");
  let strokes = 0;
  let last = null;

  context.lineWidth = 3;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#10204a";

  function point(event) {
    const rect = pad.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * pad.width,
      y: ((event.clientY - rect.top) / rect.height) * pad.height,
    };
  }

  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    last = point(event);
    event.preventDefault();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
    strokes += 1;
  });
  ["pointerup", "pointercancel"].forEach((name) => pad.addEventListener(name, () => { last = null; }));

  form.querySelector("[data-sign-clear]").addEventListener("click", () => {
    context.clearRect(0, 0, pad.width, pad.height);
    strokes = 0;
    drawn.value = "";
  });

  form.addEventListener("submit", () => {
    const kind = form.querySelector("input[name=kind]:checked");
    drawn.value = kind && kind.value === "drawn" && strokes > 0 ? pad.toDataURL("image/png") : "";
  });
})();
