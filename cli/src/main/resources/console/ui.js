// Small DOM helpers every page uses: elements built with textContent only (never innerHTML with
// data, so names and messages from the network cannot inject markup), and one way to show a
// failure with its reason, hint and each key server's outcome.

/** el('tr', {id: 'x', class: 'y', dataset: {blob: '...'}}, child, 'text', ...) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Replaces the children of `parent`. */
export function fill(parent, ...children) {
  parent.replaceChildren();
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) parent.append(c instanceof Node ? c : String(c));
  }
  return parent;
}

/**
 * A failure as a block the page shows: the sentence, what to do, and for a refusal one line per
 * key server with its outcome. Carries data-reason for tests and scripts.
 */
export function failureBlock(err, id) {
  const box = el('div', { class: 'failure', role: 'alert', id, dataset: { reason: err.reason || 'ERROR' } },
    el('p', { class: 'failure-message' }, err.message));
  if (err.hint) box.append(el('p', { class: 'failure-hint' }, err.hint));
  if (err.servers && err.servers.length) {
    const list = el('ul', { class: 'failure-servers' });
    for (const s of err.servers) {
      const bits = [s.id || s.server || s.name, s.outcome || s.status, s.reason, s.message].filter(Boolean);
      list.append(el('li', { dataset: { server: s.id || s.server || '' } }, bits.join(': ')));
    }
    box.append(list);
  }
  return box;
}

/** Shows a short notice at the top of the page for a few seconds. */
export function notice(text) {
  const n = document.getElementById('notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { n.hidden = true; }, 6000);
}

/** Copies text to the clipboard; falls back to selecting it in a field when the browser refuses. */
export async function copy(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    notice('copied');
  } catch (e) {
    if (field) { field.select(); }
    notice('select and copy it (the browser did not allow the clipboard)');
  }
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function localTime(ms) {
  if (ms === undefined || ms === null) return '';
  return new Date(ms).toLocaleString();
}
