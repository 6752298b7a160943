// The network page: a live picture from server-sent snapshots (about one a second while the page is
// open), each part's state and detail, shard health and repair activity, and on a devnet buttons to
// stop and start a part. Rows are updated in place, so a button under the pointer survives a snapshot.
import * as api from './api.js';
import { el, fill, failureBlock, localTime } from './ui.js';

const ROLES = { ledger: 'ledger', 'key-server': 'key server', 'storage-node': 'storage node', gateway: 'gateway' };

export async function render(main, shell) {
  const live = el('p', { id: 'network-live', class: 'muted', dataset: { updated: '' } },
    'waiting for the first picture…');
  const height = el('span', { id: 'ledger-height', class: 'mono' }, '…');
  const chain = el('span', { id: 'network-chain', class: 'muted' });
  const healthy = el('span', { id: 'network-healthy' });
  const failure = el('div', { id: 'network-failure-slot' });
  const body = el('tbody');
  const table = el('table', { id: 'part-list' },
    el('thead', {}, el('tr', {}, el('th', {}, 'part'), el('th', {}, 'role'), el('th', {}, 'state'),
      el('th', {}, 'detail'), el('th', {}, ''))),
    body);
  const shards = el('p', { id: 'shard-health' });
  const repair = el('p', { id: 'repair-activity' });
  const problems = el('ul', { id: 'network-problems', class: 'network-problems' });
  const devnetNote = el('p', { id: 'network-devnet', class: 'muted' });

  fill(main,
    el('h1', {}, 'Network'),
    live,
    el('div', { class: 'card network-summary' },
      el('p', {}, 'ledger height ', height, ' ', chain, ' ', healthy),
      problems),
    failure,
    devnetNote,
    table,
    el('h2', {}, 'Shard health and repair'),
    el('div', { class: 'card' }, shards, repair));

  const state = { failureFrom: null, busy: new Map(), devnet: false };

  function showFailure(err, from) {
    state.failureFrom = from;
    fill(failure, failureBlock(err, 'network-failure'));
  }

  function clearFailure(from) {
    if (state.failureFrom === from || from === 'any') {
      state.failureFrom = null;
      fill(failure);
    }
  }

  async function act(part, action) {
    state.busy.set(part, action);
    markBusy();
    try {
      await api.post(`/api/devnet/parts/${encodeURIComponent(part)}/${action}`, {});
      clearFailure('action');
    } catch (err) {
      showFailure(err, 'action');
    } finally {
      state.busy.delete(part);
      markBusy();
    }
  }

  function markBusy() {
    for (const tr of body.querySelectorAll('tr[data-part]')) {
      const busy = state.busy.get(tr.dataset.devnetPart || '');
      if (busy) tr.dataset.busy = busy; else delete tr.dataset.busy;
      for (const b of tr.querySelectorAll('button')) b.disabled = Boolean(busy);
    }
  }

  function row(p) {
    let tr = body.querySelector(`tr[data-part="${CSS.escape(p.name)}"]`);
    if (!tr) {
      tr = el('tr', { dataset: { part: p.name } },
        el('td', { class: 'name mono' }, p.name), el('td', { class: 'role' }, ROLES[p.role] || p.role),
        el('td', { class: 'state' }), el('td', { class: 'detail' }), el('td', { class: 'actions' }));
    }
    const buttons = tr.querySelector('td.actions');
    const wanted = state.devnet && p.stoppable && p.devnetPart;
    if (wanted && !buttons.querySelector('button.part-stop')) {
      tr.dataset.devnetPart = p.devnetPart;
      fill(buttons,
        el('button', { class: 'part-stop danger', type: 'button', title: `cachet devnet stop ${p.devnetPart}`,
          onclick: () => act(p.devnetPart, 'stop') }, 'stop'),
        ' ',
        el('button', { class: 'part-start', type: 'button', title: `cachet devnet start ${p.devnetPart}`,
          onclick: () => act(p.devnetPart, 'start') }, 'start'));
    } else if (!wanted && buttons.firstChild) {
      fill(buttons);
      delete tr.dataset.devnetPart;
    }
    return tr;
  }

  function draw(s) {
    live.dataset.updated = String(s.at);
    live.textContent = `live: updated ${localTime(s.at)}`;
    height.textContent = s.height === null || s.height === undefined ? 'unknown' : String(s.height);
    height.dataset.height = s.height === null || s.height === undefined ? '' : String(s.height);
    const kind = s.chain === 'evm' ? 'EVM chain' : 'embedded ledger';
    chain.textContent = s.chain ? `(${kind}${s.ledgerId ? ' ' + s.ledgerId : ''})` : '';
    healthy.textContent = s.healthy ? 'every part in step' : 'not every part is in step';
    healthy.className = s.healthy ? 'state-up' : 'state-warn';
    fill(problems, (s.problems || []).map((p) => el('li', {}, p)));
    state.devnet = Boolean(s.devnet && s.devnet.running);
    if (!s.devnet) devnetNote.textContent = '';
    else if (s.devnet.running) {
      devnetNote.textContent = `a local devnet (${s.devnet.mode || 'in-jvm'}): stop a part to watch the network`
        + ' tolerate it';
    } else devnetNote.textContent = 'a local devnet that is not running: start it with \'cachet devnet up\'';
    if (s.error) showFailure({ message: s.error, reason: 'STATUS_FAILED' }, 'snapshot');
    else clearFailure('snapshot');

    const seen = new Set();
    for (const p of s.parts || []) {
      const tr = row(p);
      seen.add(p.name);
      body.append(tr); // keeps the snapshot's order
      const td = tr.querySelector('td.state');
      td.dataset.state = p.state;
      td.className = `state state-${p.state}`;
      td.textContent = p.state;
      tr.querySelector('td.detail').textContent = p.detail || '';
      for (const f of ['usedBytes', 'shards', 'lag', 'height']) {
        if (p[f] !== undefined && p[f] !== null) tr.dataset[f] = String(p[f]); else delete tr.dataset[f];
      }
    }
    for (const tr of body.querySelectorAll('tr[data-part]')) {
      if (!seen.has(tr.dataset.part)) tr.remove();
    }
    markBusy();
    drawStorage(s);
  }

  function drawStorage(s) {
    const st = s.storage;
    if (!st) {
      shards.textContent = 'shard health: the gateway did not report (it is down, or not a Cachet gateway)';
      delete shards.dataset.held;
      delete shards.dataset.expected;
    } else {
      const sh = st.shards || {};
      shards.dataset.held = String(sh.held ?? '');
      shards.dataset.expected = String(sh.expected ?? '');
      let text = `shards on nodes that can serve: ${sh.held} of ${sh.expected}; ${st.nodesServing} of ${st.nodes}`
        + ` nodes serving (a put needs ${st.writeQuorum}, a read ${st.readQuorum})`;
      if (sh.lastPass) {
        text += `. Last repair scrub: ${sh.lastPass.shardsChecked} shards checked, ${sh.lastPass.shardsBad} missing`
          + ' or corrupt';
      }
      shards.textContent = text;
    }
    const r = s.repair;
    if (!r) {
      repair.textContent = 'repair: no report from the gateway';
      delete repair.dataset.running;
      return;
    }
    repair.dataset.running = String(Boolean(r.running));
    repair.dataset.passes = String(r.passes ?? 0);
    repair.dataset.shardsRepaired = String(r.shardsRepaired ?? 0);
    let text = `repair: ${r.running ? 'a pass is running now' : 'idle'}; ${r.passes} passes and `
      + `${r.shardsRepaired} shards rewritten since the gateway started`;
    if (r.lastPass) {
      text += `; last pass ${localTime(r.lastPass.atMillis)}: ${r.lastPass.blobs} blobs, `
        + `${r.lastPass.shardsRepaired} shards rewritten, ${r.lastPass.problems} problems`;
    }
    repair.textContent = text;
  }

  try {
    draw(await api.get('/api/network'));
  } catch (err) {
    showFailure(err, 'snapshot');
  }
  const stop = api.events('/api/network/events', draw);
  return stop;
}
