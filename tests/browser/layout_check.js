// What the page walk measures on a page: how far it scrolls sideways, the
// visible elements that stick out of the viewport without a box of their own
// that scrolls or clips them, and whether the page is styled at all.
() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el, r) => {
    const classes = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\s+/).join(".") : "";
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes} [${Math.round(r.left)}..${Math.round(r.right)}] "${text}"`;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    if ((r.right > width + 1 || r.left < -1) && !clipped(el)) wide.push(describe(el, r));
  }
  return {
    scroll: document.documentElement.scrollWidth - width,
    wide: wide.slice(0, 8),
    styled: document.styleSheets.length > 0,
  };
}
