// The files page: my blobs (the local index 'cachet ls' reads), upload by drag and drop into
// 'cachet put -', download and share, and one blob's details (#file/BLOB, 'cachet info').
// Plaintext goes only between this page and the console on this machine.
import * as api from './api.js';
import { el, fill, failureBlock, notice, copy, bytes, localTime } from './ui.js';

/** The policy select's option that means "use the id typed beside it". */
const TYPED = '__typed';

export async function render(main, shell) {
  if (shell.route === 'file' && shell.arg) {
    return renderDetails(main, shell, shell.arg);
  }
  const page = new FilesPage(main, shell);
  await page.start();
  return () => page.leave();
}

// ---------------------------------------------------------------- shared: downloads

/** The download status line and its failure slot, kept once per page. */
function downloadArea() {
  return el('div', { class: 'download-area' },
    el('p', { id: 'download-status', class: 'muted', dataset: { state: 'idle' } }, ''),
    el('div', { id: 'download-failure-slot' }));
}

/** The name a Content-Disposition header gives, the exact UTF-8 one first. */
function fileNameOf(disposition, fallback) {
  if (!disposition) return fallback;
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (exact) {
    try { return decodeURIComponent(exact[1]); } catch (e) { /* the plain one below */ }
  }
  const plain = /filename="([^"]*)"/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

/**
 * Fetches a download (the console opens it through the SDK), then saves it under its name; a
 * refusal is shown with each key server's outcome. Sets #download-status as the page's contract says.
 */
async function download(path, params, fallbackName) {
  const status = document.getElementById('download-status');
  const slot = document.getElementById('download-failure-slot');
  fill(slot);
  status.dataset.state = 'fetching';
  delete status.dataset.bytes;
  status.textContent = 'opening…';
  try {
    const r = await fetch(api.downloadPath(path, params), { credentials: 'same-origin' });
    if (!r.ok) {
      const text = await r.text();
      let error;
      try { error = JSON.parse(text).error; } catch (e) { error = null; }
      throw new api.ApiFailure(r.status, error || { message: `the download failed (HTTP ${r.status})` });
    }
    const blob = await r.blob();
    const name = fileNameOf(r.headers.get('Content-Disposition'), fallbackName || 'download');
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, class: 'hidden-link' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.dataset.bytes = String(blob.size);
    status.dataset.state = 'done';
    status.textContent = `saved ${name} (${bytes(blob.size)})`;
  } catch (err) {
    const failure = err instanceof api.ApiFailure ? err
      : new api.ApiFailure(0, { message: `the download failed: ${err.message}`, reason: 'NETWORK' });
    status.dataset.state = 'failed';
    status.textContent = 'the download failed';
    fill(slot, failureBlock(failure, 'download-failure'));
  }
}

/** Fetches the share token and shows it read-only in `slot` with a copy button. */
async function revealToken(blobId, slot) {
  try {
    const answer = await api.get(`/api/files/${encodeURIComponent(blobId)}/share`);
    const field = el('input', { class: 'share-token mono', readonly: true, value: answer.token,
      title: 'A reader opens it with cachet get TOKEN, or under "Open a share token" here' });
    fill(slot, field, el('button', { type: 'button', class: 'secondary share-copy',
      onclick: () => copy(answer.token, field) }, 'Copy'));
    field.select();
  } catch (err) {
    fill(slot, failureBlock(err, 'share-failure'));
  }
}

// ---------------------------------------------------------------- the list and the upload

class FilesPage {
  constructor(main, shell) {
    this.main = main;
    this.shell = shell;
    this.chosen = null;
    this.xhr = null;
  }

  async start() {
    const drop = el('div', { id: 'upload-drop', class: 'upload-drop', tabindex: '0' },
      el('p', { class: 'upload-drop-text' }, 'Drop a file here, or choose one'),
      el('p', { id: 'upload-chosen', class: 'muted' }, 'no file chosen'));
    const input = el('input', { id: 'upload-input', type: 'file' });
    this.policySelect = el('select', { id: 'upload-policy' });
    const typed = el('input', { id: 'upload-policy-id', class: 'mono', placeholder: '0x… (a policy id)', size: '40' });
    const epochs = el('input', { id: 'upload-epochs', type: 'number', min: '1', placeholder: 'default' });
    const submit = el('button', { id: 'upload-submit', type: 'submit' }, 'Seal and upload');
    const progress = el('progress', { id: 'upload-progress', max: '100', value: '0' });
    const status = el('p', { id: 'upload-status', class: 'muted', dataset: { state: 'idle' } }, '');
    this.uploadSlot = el('div', { id: 'upload-failure-slot' });
    this.listSlot = el('div', { id: 'file-list-slot' });

    input.addEventListener('change', () => this.choose(input.files[0] || null));
    for (const kind of ['dragenter', 'dragover']) {
      drop.addEventListener(kind, (e) => { e.preventDefault(); drop.classList.add('over'); });
    }
    for (const kind of ['dragleave', 'drop']) {
      drop.addEventListener(kind, () => drop.classList.remove('over'));
    }
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) this.choose(e.dataTransfer.files[0]);
    });
    drop.addEventListener('click', () => input.click());
    drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') input.click(); });
    typed.addEventListener('input', () => { if (typed.value.trim()) this.policySelect.value = TYPED; });

    const form = el('form', { class: 'inline upload-form', id: 'upload-form' },
      el('label', {}, 'Policy', this.policySelect),
      el('label', {}, 'or its id', typed),
      el('label', {}, 'Epochs (optional)', epochs),
      submit);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const policy = this.policySelect.value === TYPED || !this.policySelect.value
        ? typed.value.trim() : this.policySelect.value;
      this.upload(policy, epochs.value.trim());
    });

    const tokenInput = el('input', { id: 'open-token', class: 'mono', placeholder: 'cachet1.…', size: '50' });
    const tokenForm = el('form', { class: 'inline', id: 'open-token-form' },
      el('label', {}, 'Share token', tokenInput),
      el('button', { id: 'open-token-submit', type: 'submit' }, 'Open'));
    tokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = tokenInput.value.trim();
      download('/api/tokens/content', { token, as: this.shell.acting() }, null);
    });

    fill(this.main,
      el('h1', {}, 'Files'),
      el('section', { class: 'card' }, el('h2', {}, 'Upload'),
        el('p', { class: 'muted' }, 'Sealed here, in the console, before anything leaves this machine.'),
        drop, input, form, progress, status, this.uploadSlot),
      el('section', { class: 'card' }, el('h2', {}, 'Open a share token'), tokenForm),
      downloadArea(),
      el('section', {}, el('h2', {}, 'My blobs'), this.listSlot));

    this.stopListening = this.shell.onActingChange(() => this.loadPolicies());
    await Promise.all([this.loadPolicies(), this.loadList()]);
  }

  leave() {
    if (this.xhr) this.xhr.abort();
    if (this.stopListening) this.stopListening();
  }

  choose(file) {
    this.chosen = file;
    document.getElementById('upload-chosen').textContent = file ? `${file.name} (${bytes(file.size)})` : 'no file chosen';
  }

  /** The policies the acting identity manages, by label and id; a typed id is always possible. */
  async loadPolicies() {
    const select = this.policySelect;
    const before = select.value;
    let policies = [];
    const as = this.shell.acting();
    if (as) {
      try {
        const answer = await api.get(api.withQuery('/api/policies', { as }));
        policies = Array.isArray(answer) ? answer : (answer.policies || []);
      } catch (e) {
        policies = []; // the typed id still works
      }
    }
    const options = policies.map((p) => {
      const id = p.id || p.policyId;
      const label = [p.label || p.kind || 'policy', p.role].filter(Boolean).join(', ');
      return el('option', { value: id }, `${label}: ${id.slice(0, 10)}…${id.slice(-4)}`);
    });
    options.push(el('option', { value: TYPED }, 'the id typed beside'));
    fill(select, options);
    if ([...select.options].some((o) => o.value === before)) select.value = before;
  }

  async loadList() {
    try {
      const list = await api.get('/api/files');
      fill(this.listSlot, list.length === 0
        ? el('p', { class: 'muted', id: 'file-list-empty' }, 'Nothing stored from here yet: upload a file above.')
        : this.table(list));
    } catch (err) {
      fill(this.listSlot, failureBlock(err, 'files-failure'));
    }
  }

  table(list) {
    const rows = list.map((b) => {
      const shareSlot = el('div', { class: 'share-slot' });
      return el('tr', { dataset: { blob: b.blobId } },
        el('td', { class: 'name' }, b.name || b.blobId),
        el('td', { class: 'size' }, bytes(b.plaintextSize)),
        el('td', { class: 'policy mono' }, el('a', { href: `#policy/${b.policyId}` }, shortId(b.policyId))),
        el('td', { class: 'expiry' }, expiry(b)),
        el('td', { class: `certification state-${certState(b)}` }, certText(b)),
        el('td', { class: 'actions' },
          el('button', { type: 'button', class: 'file-download',
            onclick: () => download(`/api/files/${encodeURIComponent(b.blobId)}/content`, { as: this.shell.acting() },
              b.name) }, 'Download'),
          ' ',
          el('button', { type: 'button', class: 'secondary file-share',
            onclick: () => revealToken(b.blobId, shareSlot) }, 'Share'),
          ' ',
          el('a', { class: 'file-details', href: `#file/${b.blobId}` }, 'Details'),
          shareSlot));
    });
    return el('table', { id: 'file-list' },
      el('thead', {}, el('tr', {}, ['Name', 'Size', 'Policy', 'Expires', 'Certification', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows));
  }

  /** Sends the raw file with its Content-Length (XMLHttpRequest, for the upload's progress). */
  upload(policy, epochs) {
    const status = document.getElementById('upload-status');
    const progress = document.getElementById('upload-progress');
    fill(this.uploadSlot);
    const fail = (err) => {
      status.dataset.state = 'failed';
      status.textContent = 'the upload failed';
      fill(this.uploadSlot, failureBlock(err, 'upload-failure'));
    };
    if (!this.chosen) {
      fail(new api.ApiFailure(400, { message: 'choose a file first (drop it above, or click to choose)', reason: 'NO_FILE' }));
      return;
    }
    if (!policy) {
      fail(new api.ApiFailure(400, { message: 'choose a policy, or type its id', reason: 'NO_POLICY' }));
      return;
    }
    const file = this.chosen;
    const xhr = new XMLHttpRequest();
    this.xhr = xhr;
    xhr.open('POST', api.withQuery('/api/files', { policy, as: this.shell.acting(), name: file.name, epochs }));
    xhr.setRequestHeader('X-Cachet-Csrf', api.current().csrf);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    progress.value = 0;
    status.dataset.state = 'sending';
    delete status.dataset.blob;
    status.textContent = `sending ${file.name}…`;
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && e.total > 0) progress.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.upload.addEventListener('load', () => {
      progress.value = 100;
      status.dataset.state = 'sealing';
      status.textContent = 'sealed and sent; waiting for the storage network to certify it…';
    });
    xhr.addEventListener('load', () => {
      this.xhr = null;
      let body = {};
      try { body = JSON.parse(xhr.responseText || '{}'); } catch (e) { body = {}; }
      if (xhr.status < 200 || xhr.status >= 300) {
        fail(new api.ApiFailure(xhr.status, body.error || { message: `the upload failed (HTTP ${xhr.status})` }));
        return;
      }
      status.dataset.blob = body.blobId;
      status.dataset.state = 'done';
      status.textContent = `stored ${file.name} as ${body.blobId}`;
      for (const w of body.warnings || []) {
        this.uploadSlot.append(el('p', { class: 'upload-warning', dataset: { reason: w.reason } }, `warning: ${w.message}`));
      }
      notice(`stored ${file.name}`);
      this.loadList();
    });
    xhr.addEventListener('error', () => {
      this.xhr = null;
      fail(new api.ApiFailure(0, { message: 'the upload was cut (the console could not be reached)', reason: 'NETWORK' }));
    });
    xhr.send(file);
  }
}

// ---------------------------------------------------------------- words

function shortId(id) {
  if (!id) return '-';
  return id.length <= 14 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`;
}

function certState(b) {
  const c = b.certification || {};
  if (c.state === 'recorded') return c.expired ? 'expired' : 'ok';
  return c.state === 'not-recorded' ? 'bad' : 'warn';
}

function certText(b) {
  const c = b.certification || {};
  if (c.state === 'recorded') return c.expired ? 'expired' : `certified (${c.confirmations} signers)`;
  if (c.state === 'not-recorded') return 'not certified';
  return c.problem ? `unknown: ${c.problem}` : 'unknown';
}

function expiry(b) {
  if (b.expiresAt) return localTime(Date.parse(b.expiresAt));
  return b.endEpoch >= 0 ? `end of epoch ${b.endEpoch - 1}` : '';
}

// ---------------------------------------------------------------- details

async function renderDetails(main, shell, blobId) {
  const box = el('div', { id: 'file-details', dataset: { blob: blobId } });
  fill(main, el('p', {}, el('a', { href: '#files' }, '← Files')), box, downloadArea());
  let info;
  try {
    info = await api.get(`/api/files/${encodeURIComponent(blobId)}`);
  } catch (err) {
    fill(box, el('h1', {}, 'Blob'), failureBlock(err, 'file-failure'));
    return null;
  }
  const h = info.header || {};
  const index = info.index || null;
  const c = info.certification || {};
  const name = (index && index.name) || blobId;
  const shareSlot = el('div', { class: 'share-slot' });
  const row = (key, label, ...value) => [el('dt', {}, label), el('dd', { dataset: { field: key } }, ...value)];
  const servers = h.keyServers || [];
  fill(box,
    el('h1', {}, name),
    el('div', { class: 'details-actions' },
      el('button', { type: 'button', class: 'file-download',
        onclick: () => download(`/api/files/${encodeURIComponent(blobId)}/content`, { as: shell.acting() }, name) },
      'Download'),
      ' ',
      el('button', { type: 'button', class: 'secondary file-share', onclick: () => revealToken(blobId, shareSlot) },
        'Share'),
      shareSlot),
    el('dl', { class: 'details' },
      row('blob', 'Blob id', el('code', {}, info.blobId)),
      row('size', 'Size', `${bytes(h.plaintextSize)} (stored as ${bytes(h.storedSize)})`),
      row('policy', 'Policy', el('a', { href: `#policy/${h.policyId}`, class: 'mono' }, h.policyId || '')),
      row('ledger', 'Ledger', el('code', {}, h.ledgerId || '')),
      row('key-servers', 'Key servers', servers.join(', ')),
      row('threshold', 'Threshold', `any ${h.threshold} of ${servers.length} release the key`),
      row('header', 'Header', `envelope format ${h.formatVersion}, object `, el('code', {}, h.objectId || '')),
      row('certificate', 'Certificate', certificateText(c)),
      row('expiry', 'Expiry', detailsExpiry(info, c)),
      row('stored', 'Stored', index ? `${localTime(Date.parse(index.storedAt))} by ${index.identity || index.address}`
        : 'not in this console\'s index (stored from elsewhere)')));
  return null;
}

function certificateText(c) {
  if (c.state !== 'recorded') {
    return c.state === 'not-recorded' ? 'not certified on the ledger' : `unknown${c.problem ? `: ${c.problem}` : ''}`;
  }
  const from = c.fromEpoch !== undefined ? `epochs ${c.fromEpoch} to ${c.endEpoch - 1}` : `until epoch ${c.endEpoch - 1}`;
  return `${from}, signed by ${c.confirmations} storage nodes, recorded ${localTime(Date.parse(c.recordedAt))}`;
}

function detailsExpiry(info, c) {
  const when = info.expiresAt ? localTime(Date.parse(info.expiresAt)) : `end of epoch ${info.endEpoch - 1}`;
  return c.expired ? `expired ${when}` : when;
}
