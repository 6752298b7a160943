// The policies page: the list of what the acting identity owns or administers (#policies), and one
// policy (#policy/ID) with its members' windows on a timeline, the changes an owner or admin makes,
// a time lock's countdown, and "can this address read this now?". Every change runs the same
// 'cachet policy' command a person would type, as the acting identity, then the policy is read again.
import * as api from './api.js';
import { el, fill, failureBlock, notice, localTime } from './ui.js';
import { drawTimeline, label, stateOf } from './policy-timeline.js';

const FAILURE_ID = 'policy-failure';
/** How often the time lock's countdown is redrawn. */
const COUNTDOWN_TICK_MS = 1000;
/** Durations offered beside "until", as 'policy grant --for' reads them. */
const DURATIONS = [['', 'or for…'], ['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['30d', '30 days'],
  ['365d', '1 year']];

export async function render(main, shell) {
  if (shell.route === 'policy' && shell.arg) {
    return renderPolicy(main, shell, shell.arg);
  }
  return renderList(main, shell);
}

// ------------------------------------------------------------------ shared

/** A slot the page's last failure is shown in (one at a time), cleared by the next success. */
function failureSlot() {
  const slot = el('div', { class: 'failure-slot' });
  return {
    node: slot,
    show: (err) => fill(slot, failureBlock(err, FAILURE_ID)),
    clear: () => slot.replaceChildren(),
  };
}

/** A datetime-local input's value (local time) as ISO-8601 UTC; '' for an empty input. */
function isoOf(input) {
  if (!input.value) return '';
  const d = new Date(input.value);
  if (Number.isNaN(d.getTime())) throw new Error(`'${input.value}' is not a time`);
  return d.toISOString();
}

/** Epoch ms as a datetime-local input's value, in local time. */
function localInput(ms) {
  if (ms === null || ms === undefined || ms <= 0) return '';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Runs `action` with `button` disabled; a failure goes to `slot`, a success clears it. */
async function act(button, slot, action) {
  button.disabled = true;
  try {
    const result = await action();
    slot.clear();
    return result;
  } catch (err) {
    slot.show(err);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ the list

async function renderList(main, shell) {
  const slot = failureSlot();
  const tbody = el('tbody');
  const table = el('table', { id: 'policy-list', class: 'list' },
    el('thead', {}, el('tr', {}, ['Policy', 'Kind', 'Role', 'As', 'Members', 'Opens'].map((h) => el('th', {}, h)))),
    tbody);
  const createButton = el('button', { id: 'policy-create-allow-list', type: 'button' }, 'New allow-list');
  const lockAt = el('input', { id: 'timelock-at', type: 'datetime-local', required: true });
  const lockSubmit = el('button', { id: 'timelock-submit', type: 'submit' }, 'Create time lock');
  const lockForm = el('form', { class: 'inline', id: 'timelock-form' },
    el('label', {}, 'A time lock opening at ', lockAt), lockSubmit);
  const openId = el('input', { id: 'policy-open-id', type: 'text', placeholder: '0x… a policy id', size: 40 });
  const openForm = el('form', { class: 'inline', id: 'policy-open-form' },
    el('label', {}, 'Open a policy by id ', openId), el('button', { type: 'submit' }, 'Open'));
  const who = el('p', { class: 'muted', id: 'policy-list-who' });

  createButton.addEventListener('click', () => act(createButton, slot, async () => {
    const created = await api.post('/api/policies', { kind: 'allow-list', as: shell.acting() });
    notice(`created allow-list ${created.id}`);
    shell.go(`#policy/${created.id}`);
  }));
  lockForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(lockSubmit, slot, async () => {
      const unlockAt = isoOf(lockAt);
      if (!unlockAt) throw new Error('choose when the time lock opens');
      const created = await api.post('/api/policies', { kind: 'time-lock', unlockAt, as: shell.acting() });
      notice(`created time lock ${created.id}`);
      shell.go(`#policy/${created.id}`);
    });
  });
  openForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (openId.value.trim()) shell.go(`#policy/${openId.value.trim()}`);
  });

  async function load() {
    const as = shell.acting();
    who.textContent = as ? `Owned or administered by ${as}.` : 'Unlock an identity to see its policies.';
    try {
      const doc = await api.get(api.withQuery('/api/policies', { as }));
      slot.clear();
      fill(tbody, (doc.policies || []).map((p) => el('tr', { dataset: { policy: p.id, kind: p.kind } },
        el('td', { class: 'id' }, el('a', { class: 'policy-open', href: `#policy/${p.id}`, title: p.id }, p.id)),
        el('td', {}, p.kind),
        el('td', {}, p.role),
        el('td', {}, p.identity),
        el('td', {}, p.kind === 'allow-list' ? String(p.members) : '–'),
        el('td', {}, p.unlockAt ? localTime(Date.parse(p.unlockAt)) : '–'))));
      if (!doc.policies || doc.policies.length === 0) {
        fill(tbody, el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'none yet: create an allow-list above')));
      }
    } catch (err) {
      tbody.replaceChildren();
      slot.show(err);
    }
  }

  fill(main,
    el('h1', {}, 'Policies'),
    el('section', { class: 'policy-create' }, el('h2', {}, 'Create'), createButton, lockForm, openForm),
    slot.node,
    el('section', {}, el('h2', {}, 'Mine'), who, table));
  shell.onActingChange(() => load());
  await load();
  return null;
}

// ------------------------------------------------------------------ one policy

async function renderPolicy(main, shell, id) {
  const slot = failureSlot();
  const content = el('div', { id: 'policy-content' });
  // kept across re-reads, so the name typed there stays for asking again after a change
  const check = checkSection(slot, id);
  let stopCountdown = null;
  fill(main,
    el('p', {}, el('a', { href: '#policies' }, '← all policies')),
    el('h1', {}, 'Policy ', el('code', { id: 'policy-id' }, id)),
    slot.node,
    content,
    check.node);

  async function load() {
    let doc;
    try {
      doc = await api.get(`/api/policies/${encodeURIComponent(id)}`);
    } catch (err) {
      slot.show(err);
      content.replaceChildren();
      return;
    }
    if (stopCountdown) stopCountdown();
    stopCountdown = null;
    const parts = [summary(doc)];
    if (doc.kind === 'allow-list') {
      parts.push(membersSection(doc, shell, slot, id, load), adminsSection(doc, shell, slot, id, load));
    } else if (doc.kind === 'time-lock') {
      const c = countdown(doc);
      stopCountdown = c.stop;
      parts.push(c.node);
    }
    parts.push(transferSection(doc, shell, slot, id, load));
    fill(content, parts);
    check.reset();
  }

  await load();
  return () => { if (stopCountdown) stopCountdown(); };
}

/** Who a policy names, by local name where known: "bob (0x1234…)" or the address. */
function named(doc, address) {
  const name = doc.names && doc.names[address];
  return name ? `${name} (${address})` : address;
}

function summary(doc) {
  const judged = doc.judgedAt ? Date.parse(doc.judgedAt) : null;
  return el('dl', { class: 'policy-summary', dataset: { kind: doc.kind, version: String(doc.version) } },
    el('dt', {}, 'Kind'), el('dd', { id: 'policy-kind' }, doc.kind),
    el('dt', {}, 'Owner'), el('dd', { id: 'policy-owner', dataset: { address: doc.owner } }, named(doc, doc.owner)),
    el('dt', {}, 'Version'), el('dd', {}, String(doc.version)),
    el('dt', {}, 'Judged at'), el('dd', { id: 'policy-judged-at' },
      judged ? `${localTime(judged)} by ${doc.judgedBy === 'ledger' ? 'the ledger\'s time'
        : 'this machine\'s clock (the ledger\'s time could not be read)'}` : ''));
}

/** The data-member value: the member's local name, else the full address. */
function memberKey(m) {
  return m.name || m.address;
}

function membersSection(doc, shell, slot, id, reload) {
  const now = Date.parse(doc.judgedAt);
  const members = [...(doc.members || [])].sort((a, b) => label(a).localeCompare(label(b)));
  const timeline = el('div', { id: 'policy-timeline', class: 'timeline' });
  drawTimeline(timeline, members, now, memberKey);

  const tbody = el('tbody');
  for (const m of members) {
    const row = el('tr', { dataset: { member: memberKey(m), address: m.address, state: stateOf(m) } },
      el('td', { class: 'name' }, label(m)),
      el('td', { class: 'address' }, m.address),
      el('td', { class: 'state', dataset: { state: stateOf(m) } }, m.state),
      el('td', { class: 'from' }, m.notBefore > 0 ? localTime(m.notBefore) : 'always'),
      el('td', { class: 'until' }, m.notAfter === null || m.notAfter === undefined ? 'no end' : localTime(m.notAfter)));
    const revoke = el('button', { class: 'member-revoke', type: 'button' }, 'Revoke');
    const change = el('button', { class: 'member-change', type: 'button' }, 'Change window');
    const actions = el('td', { class: 'actions' }, change, revoke);
    row.append(actions);
    revoke.addEventListener('click', () => act(revoke, slot, async () => {
      await api.del(api.withQuery(`/api/policies/${id}/members/${encodeURIComponent(m.address)}`,
        { as: shell.acting() }));
      notice(`revoked ${label(m)}`);
      await reload();
    }));
    change.addEventListener('click', () => {
      const from = el('input', { class: 'member-from', type: 'datetime-local', value: localInput(m.notBefore) });
      const until = el('input', { class: 'member-until', type: 'datetime-local', value: localInput(m.notAfter) });
      const save = el('button', { class: 'member-change-submit', type: 'button' }, 'Save');
      const cancel = el('button', { class: 'member-change-cancel', type: 'button' }, 'Cancel');
      const editor = el('div', { class: 'member-editor' },
        el('label', {}, 'from ', from), el('label', {}, 'until ', until), save, cancel);
      fill(actions, editor);
      cancel.addEventListener('click', () => fill(actions, change, revoke));
      save.addEventListener('click', () => act(save, slot, async () => {
        await api.put(`/api/policies/${id}/members/${encodeURIComponent(m.address)}`,
          { from: isoOf(from), until: isoOf(until), as: shell.acting() });
        notice(`changed ${label(m)}'s window`);
        await reload();
      }));
    });
    tbody.append(row);
  }
  if (members.length === 0) {
    tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'no members yet')));
  }
  const table = el('table', { id: 'member-list', class: 'list' },
    el('thead', {}, el('tr', {}, ['Member', 'Address', 'State', 'From', 'Until', ''].map((h) => el('th', {}, h)))),
    tbody);

  return el('section', { class: 'members' },
    el('h2', {}, 'Members'), timeline, table, grantForm(shell, slot, id, reload));
}

function grantForm(shell, slot, id, reload) {
  const who = el('input', { id: 'grant-who', type: 'text', placeholder: 'a name or an address (0x…)',
    list: 'known-names', autocomplete: 'off', required: true });
  const from = el('input', { id: 'grant-from', type: 'datetime-local' });
  const until = el('input', { id: 'grant-until', type: 'datetime-local' });
  const duration = el('select', { id: 'grant-for' }, DURATIONS.map(([v, t]) => el('option', { value: v }, t)));
  const submit = el('button', { id: 'grant-submit', type: 'submit' }, 'Grant');
  const names = el('datalist', { id: 'known-names' });
  knownNames(names);
  const form = el('form', { id: 'grant-form', class: 'inline window-form' },
    el('label', {}, 'Who ', who, names),
    el('label', {}, 'From ', from, el('span', { class: 'muted' }, ' (empty: from now on)')),
    el('label', {}, 'Until ', until, el('span', { class: 'muted' }, ' (empty: no end)')),
    duration, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(submit, slot, async () => {
      const body = { who: who.value.trim(), from: isoOf(from), until: isoOf(until), as: shell.acting() };
      if (!body.until && duration.value) body.for = duration.value;
      await api.post(`/api/policies/${id}/members`, body);
      notice(`granted ${body.who}`);
      await reload();
    });
  });
  return el('div', {}, el('h3', {}, 'Grant'), form);
}

/** Fills the grant form's suggestions with my identities' and contacts' names, if they can be read. */
async function knownNames(list) {
  const names = new Set();
  for (const [path, key] of [['/api/identities', 'identities'], ['/api/contacts', 'contacts']]) {
    try {
      const doc = await api.get(path);
      for (const x of (Array.isArray(doc) ? doc : doc[key] || [])) if (x.name) names.add(x.name);
    } catch (e) {
      // suggestions only: the field takes any name or address
    }
  }
  fill(list, [...names].sort().map((n) => el('option', { value: n })));
}

function adminsSection(doc, shell, slot, id, reload) {
  const tbody = el('tbody');
  for (const a of doc.admins || []) {
    const name = doc.names && doc.names[a];
    const remove = el('button', { class: 'admin-remove', type: 'button' }, 'Remove');
    remove.addEventListener('click', () => act(remove, slot, async () => {
      await api.del(api.withQuery(`/api/policies/${id}/admins/${encodeURIComponent(a)}`, { as: shell.acting() }));
      notice(`removed admin ${name || a}`);
      await reload();
    }));
    tbody.append(el('tr', { dataset: { admin: name || a, address: a } },
      el('td', { class: 'name' }, name || ''), el('td', { class: 'address' }, a), el('td', {}, remove)));
  }
  if (!doc.admins || doc.admins.length === 0) {
    tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 3 }, 'no admins: only the owner changes it')));
  }
  const whoInput = el('input', { id: 'admin-who', type: 'text', placeholder: 'a name or an address (0x…)',
    list: 'known-names', required: true });
  const add = el('button', { id: 'admin-add', type: 'submit' }, 'Add admin');
  const form = el('form', { class: 'inline' }, el('label', {}, 'Admin ', whoInput), add);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(add, slot, async () => {
      await api.post(`/api/policies/${id}/admins`, { who: whoInput.value.trim(), as: shell.acting() });
      notice(`added admin ${whoInput.value.trim()}`);
      await reload();
    });
  });
  return el('section', { class: 'admins' }, el('h2', {}, 'Admins'),
    el('p', { class: 'muted' }, 'Admins grant, change windows and revoke as the owner does; only the owner adds them.'),
    el('table', { id: 'admin-list', class: 'list' },
      el('thead', {}, el('tr', {}, ['Name', 'Address', ''].map((h) => el('th', {}, h)))), tbody),
    form);
}

/** "in 2 d 3 h 4 min 5 s" from a number of milliseconds ahead. */
function remaining(ms) {
  let s = Math.ceil(ms / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return [d && `${d} d`, (d || h) && `${h} h`, (d || h || m) && `${m} min`, `${s} s`].filter(Boolean).join(' ');
}

/**
 * The time lock's opening time and a countdown to it, kept on the ledger's time: the gap between
 * the ledger's time and this browser's clock when the policy was read is carried forward.
 */
function countdown(doc) {
  const unlockAt = Date.parse(doc.unlockAt);
  const offset = doc.judgedAt ? Date.parse(doc.judgedAt) - Date.now() : 0;
  const box = el('p', { id: 'timelock-countdown', dataset: { unlockAt: String(unlockAt) } });
  function tick() {
    const left = unlockAt - (Date.now() + offset);
    if (left <= 0) {
      box.textContent = 'open: anyone may read';
      box.dataset.state = 'open';
      return false;
    }
    box.textContent = `opens in ${remaining(left)}`;
    box.dataset.state = 'locked';
    return true;
  }
  let timer = null;
  if (tick()) {
    timer = setInterval(() => { if (!tick()) clearInterval(timer); }, COUNTDOWN_TICK_MS);
  }
  const node = el('section', { class: 'timelock' }, el('h2', {}, 'Time lock'),
    el('p', {}, `Opens at ${localTime(unlockAt)} (ledger time); it cannot be changed.`), box);
  return { node, stop: () => clearInterval(timer) };
}

function checkSection(slot, id) {
  const who = el('input', { id: 'check-who', type: 'text', placeholder: 'a name or an address (0x…)',
    list: 'known-names', required: true });
  const submit = el('button', { id: 'check-submit', type: 'submit' }, 'Check');
  const answer = el('p', { id: 'check-answer', class: 'check-answer' });
  const form = el('form', { class: 'inline' }, el('label', {}, 'Name or address ', who), submit);
  /** An answer is of the policy as it was: a change clears it. */
  function reset() {
    delete answer.dataset.allowed;
    delete answer.dataset.reason;
    answer.textContent = '';
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reset();
    act(submit, slot, async () => {
      const a = await api.get(api.withQuery(`/api/policies/${id}/check`, { who: who.value.trim() }));
      answer.dataset.allowed = String(a.allowed);
      answer.dataset.reason = a.reason;
      answer.textContent = `${a.allowed ? 'Yes' : 'No'} (${a.reason}): ${a.message}. Ledger time `
        + `${localTime(Date.parse(a.ledgerTime))}, height ${a.height}.`;
    });
  });
  const node = el('section', { class: 'check' }, el('h2', {}, 'Can this address read this now?'),
    el('p', { class: 'muted' }, 'Answered from the chain as a key server decides, with the reason.'), form, answer);
  return { node, reset };
}

function transferSection(doc, shell, slot, id, reload) {
  const who = el('input', { id: 'transfer-who', type: 'text', placeholder: 'a name or an address (0x…)',
    list: 'known-names', required: true });
  const submit = el('button', { id: 'transfer-submit', type: 'submit', class: 'danger' }, 'Transfer ownership');
  const form = el('form', { class: 'inline' }, el('label', {}, 'New owner ', who), submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const target = who.value.trim();
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Make ${target} the owner? You lose the owner's rights at once.`)) return;
    act(submit, slot, async () => {
      await api.post(`/api/policies/${id}/owner`, { who: target, as: shell.acting() });
      notice(`transferred to ${target}`);
      await reload();
    });
  });
  return el('section', { class: 'transfer', dataset: { owner: doc.owner } }, el('h2', {}, 'Owner'),
    el('p', {}, named(doc, doc.owner)), form);
}
