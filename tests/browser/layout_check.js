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
  // Text contrast (WCAG AA): 4.5:1, or 3:1 for large text, against the first
  // opaque background behind it. Disabled, see-through and decorative
  // (aria-hidden) elements are exempt.
  const rgba = (c) => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat(m.length === 3 ? [1] : []); };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    let layers = [];
    for (let p = el; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (parseFloat(style.opacity) < 1) return null;
      const c = rgba(style.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let out = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) out = [r * a + out[0] * (1 - a), g * a + out[1] * (1 - a), b * a + out[2] * (1 - a)];
    return out;
  };
  const contrast = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || style.visibility === "hidden" || el.closest("[disabled], [aria-hidden=true], svg, option, select")) continue;
    const bg = background(el);
    if (!bg) continue;
    const fg = rgba(style.color);
    if (fg[3] < 1) continue;
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed - 0.01) contrast.push(`${describe(el, r)} ${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.map(Math.round)}))`);
  }
  return {
    contrast: contrast.slice(0, 8),
    scroll: document.documentElement.scrollWidth - width,
    wide: wide.slice(0, 8),
    styled: document.styleSheets.length > 0,
  };
}
