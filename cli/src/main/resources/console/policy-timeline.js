// A policy's members drawn on one time axis: a band per member from its window's start to its end,
// coloured by its state, an open end running to the edge of the axis, and a vertical line at the
// ledger time the states were judged at. Positions are set from script (element.style), never in
// markup, as the console's Content-Security-Policy requires.
import { el, localTime } from './ui.js';

/** The least padding either side of what is drawn: a window of minutes still reads as one. */
const MIN_PAD_MS = 60 * 60 * 1000;
/** Padding as a share of the span the windows and "now" cover. */
const PAD_SHARE = 0.1;
/** Width of the names column, matching .timeline-row's first column in console.css. */
const LABEL_WIDTH = '11rem';

/** The state as the page's attributes spell it: active, expired, not-yet. */
export function stateOf(member) {
  return (member.state || '').replace(/\s+/g, '-');
}

/** A member's name, else a short address: what a person reads. */
export function label(member) {
  return member.name || shortAddress(member.address);
}

export function shortAddress(a) {
  return a && a.length > 14 ? `${a.slice(0, 8)}…${a.slice(-4)}` : a;
}

/**
 * The visible span: from the earliest finite start (or now) to the latest finite end (or now),
 * padded either side, so "now" and every finite edge are on the axis.
 */
export function span(members, now) {
  const times = [now];
  for (const m of members) {
    if (m.notBefore > 0) times.push(m.notBefore);
    if (m.notAfter !== null && m.notAfter !== undefined) times.push(m.notAfter);
  }
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const pad = Math.max((hi - lo) * PAD_SHARE, MIN_PAD_MS);
  return { from: lo - pad, to: hi + pad };
}

/** Where `t` falls on the axis, 0..1 (clamped). */
function at(t, s) {
  return Math.min(1, Math.max(0, (t - s.from) / (s.to - s.from)));
}

/** Left offset within the tracks column, for an element placed in the whole row's box. */
function trackLeft(fraction) {
  return `calc(${LABEL_WIDTH} + (100% - ${LABEL_WIDTH}) * ${fraction.toFixed(5)})`;
}

function windowText(m) {
  const from = m.notBefore > 0 ? localTime(m.notBefore) : 'always';
  const until = m.notAfter === null || m.notAfter === undefined ? 'no end' : localTime(m.notAfter);
  return `${from} → ${until}`;
}

/**
 * Fills `box` (#policy-timeline) with the members' windows judged at `now` (epoch ms, the ledger's
 * time); `keyOf(member)` gives the data-member value the page uses everywhere.
 */
export function drawTimeline(box, members, now, keyOf) {
  box.replaceChildren();
  const s = span(members, now);
  const body = el('div', { class: 'timeline-body' });
  if (members.length === 0) {
    body.append(el('p', { class: 'timeline-empty' }, 'no members yet: grant someone below'));
  }
  for (const m of members) {
    const open = m.notAfter === null || m.notAfter === undefined;
    const start = m.notBefore > 0 ? m.notBefore : s.from;
    const end = open ? s.to : m.notAfter;
    const band = el('div', {
      class: ['band', m.notBefore > 0 ? null : 'open-start', open ? 'open-end' : null].filter(Boolean).join(' '),
      title: `${label(m)} (${m.address}): ${windowText(m)}, ${m.state}`,
    });
    const left = at(start, s);
    band.style.left = `${(left * 100).toFixed(3)}%`;
    band.style.width = `${(Math.max(at(end, s) - left, 0.004) * 100).toFixed(3)}%`;
    body.append(el('div', { class: 'timeline-row member', dataset: { member: keyOf(m), state: stateOf(m) } },
      el('span', { class: 'member-label', title: m.address }, label(m)),
      el('div', { class: 'track' }, band)));
  }
  const nowLine = el('div', { class: 'now-line', title: `ledger time ${localTime(now)}`, dataset: { at: String(now) } },
    el('span', { class: 'now-label' }, 'now'));
  nowLine.style.left = trackLeft(at(now, s));
  body.append(nowLine);
  const axis = el('div', { class: 'timeline-axis' },
    el('span', { class: 'axis-from' }, localTime(s.from)),
    el('span', { class: 'axis-to' }, localTime(s.to)));
  box.append(body, axis,
    el('p', { class: 'timeline-legend' },
      el('span', { class: 'swatch active' }), 'active ',
      el('span', { class: 'swatch not-yet' }), 'not yet ',
      el('span', { class: 'swatch expired' }), 'expired; the line is the ledger\'s time'));
}
