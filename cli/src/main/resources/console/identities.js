// The identities page: my identities (create, unlock, lock, copy or download an address) and my
// contacts (add, remove). Passphrases are read from their fields once, sent, and the fields
// cleared; nothing here keeps or shows one.
import * as api from './api.js';
import { el, fill, failureBlock, notice, copy, localTime } from './ui.js';

const FAILURE_ID = 'identities-failure';

export async function render(main, shell) {
  const failure = el('div', { class: 'identities-failure-slot' });
  const ids = el('tbody');
  const contacts = el('tbody');
  const evm = el('input', { type: 'checkbox', id: 'id-new-evm' });

  /** Shows a failure in the page's one slot (or clears it). */
  function show(err) {
    fill(failure, err ? failureBlock(err, FAILURE_ID) : null);
  }

  /** Runs a change; a failure shows on the page. Returns its answer, or null after a failure. */
  async function attempt(fn) {
    try {
      const answer = await fn();
      show(null);
      return answer;
    } catch (err) {
      show(err);
      return null;
    }
  }

  async function loadIdentities() {
    const answer = await api.get('/api/identities');
    const list = answer.identities || [];
    fill(ids, list.length === 0
      ? el('tr', { class: 'empty' }, el('td', { colspan: 5, class: 'muted' }, 'no identities yet: create one above'))
      : list.map(identityRow));
    if (answer.evmNetwork !== undefined && !evm.dataset.touched) evm.checked = !!answer.evmNetwork;
  }

  async function loadContacts() {
    const list = (await api.get('/api/contacts')).contacts || [];
    fill(contacts, list.length === 0
      ? el('tr', { class: 'empty' }, el('td', { colspan: 4, class: 'muted' }, 'no contacts yet'))
      : list.map(contactRow));
  }

  /** After an unlock, a lock or a new identity: the table and the "Acting as" choice. */
  async function identitiesChanged(actAs) {
    await loadIdentities();
    await shell.refreshIdentities();
    if (actAs) {
      const select = document.getElementById('acting-as');
      if ([...select.options].some((o) => o.value === actAs)) {
        select.value = actAs;
        select.dispatchEvent(new Event('change'));
      }
    }
  }

  function identityRow(id) {
    const state = id.unlocked ? 'unlocked' : 'locked';
    const stateCell = el('td', { class: `state state-${state}`, dataset: { state } },
      id.unlocked ? `unlocked until ${localTime(Date.parse(id.until))}` : 'locked');
    const addressCell = el('td', { class: 'address mono' }, id.address);
    const actions = el('td', { class: 'actions' });
    const copyButton = el('button', { type: 'button', class: 'id-copy-address secondary', title: 'Copy the address' },
      'copy address');
    copyButton.addEventListener('click', () => copy(id.address));
    const download = el('a', {
      class: 'id-download-address', href: api.downloadPath(`/api/identities/${encodeURIComponent(id.name)}/address`, {}),
      download: `${id.name}.address`, title: 'A small text file with the address: send it to whoever shares with you',
    }, 'download');
    actions.append(copyButton, ' ', download, ' ');
    if (id.unlocked) {
      const lock = el('button', { type: 'button', class: 'id-lock secondary' }, 'lock');
      lock.addEventListener('click', async () => {
        lock.disabled = true;
        const done = await attempt(() => api.post(`/api/identities/${encodeURIComponent(id.name)}/lock`, {}));
        if (done) notice(`${id.name} is locked`);
        await identitiesChanged(null);
      });
      actions.append(lock);
    } else {
      actions.append(unlockControls(id));
    }
    const name = el('td', { class: 'name' }, id.name, id.default ? el('span', { class: 'default-mark', title:
      'the default identity of the terminal commands' }, ' (default)') : null);
    const kind = el('td', { class: 'kind' }, id.kind === 'secp256k1' ? 'secp256k1 (EVM)' : id.kind);
    return el('tr', { dataset: { name: id.name } }, name, kind, addressCell, stateCell, actions);
  }

  /** The unlock button, which reveals a passphrase field and its own submit in the same row. */
  function unlockControls(id) {
    const box = el('span', { class: 'id-unlock-box' });
    const open = el('button', { type: 'button', class: 'id-unlock' }, 'unlock');
    const field = el('input', {
      type: 'password', class: 'id-unlock-passphrase', autocomplete: 'current-password',
      placeholder: 'passphrase', 'aria-label': `passphrase of ${id.name}`,
    });
    const submit = el('button', { type: 'button', class: 'id-unlock-submit' }, 'unlock');
    field.hidden = true;
    submit.hidden = true;
    open.addEventListener('click', () => {
      open.hidden = true;
      field.hidden = false;
      submit.hidden = false;
      field.focus();
    });
    const send = async () => {
      const passphrase = field.value;
      field.value = '';
      submit.disabled = true;
      const done = await attempt(() => api.post(`/api/identities/${encodeURIComponent(id.name)}/unlock`,
        { passphrase }));
      submit.disabled = false;
      if (done) {
        notice(`${id.name} is unlocked`);
        await identitiesChanged(id.name);
      } else {
        field.focus();
      }
    };
    submit.addEventListener('click', send);
    field.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); send(); } });
    box.append(open, field, ' ', submit);
    return box;
  }

  function contactRow(c) {
    const remove = el('button', { type: 'button', class: 'contact-remove danger' }, 'remove');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      const done = await attempt(() => api.del(`/api/contacts/${encodeURIComponent(c.name)}`));
      if (done) notice(`removed contact ${c.name}`);
      await loadContacts();
    });
    const copyButton = el('button', { type: 'button', class: 'contact-copy-address secondary' }, 'copy address');
    copyButton.addEventListener('click', () => copy(c.address));
    return el('tr', { dataset: { name: c.name } }, el('td', { class: 'name' }, c.name),
      el('td', { class: 'kind' }, c.kind === 'secp256k1' ? 'secp256k1 (EVM)' : c.kind),
      el('td', { class: 'address mono' }, c.address), el('td', { class: 'actions' }, copyButton, ' ', remove));
  }

  // ---------------------------------------------------------------- the create form
  const newName = el('input', { id: 'id-new-name', autocomplete: 'off', placeholder: 'alice', required: true,
    title: '1 to 32 of a-z, 0-9, - and _, starting with a letter or digit' });
  const newPass = el('input', { id: 'id-new-passphrase', type: 'password', autocomplete: 'new-password',
    required: true });
  const newPassAgain = el('input', { id: 'id-new-passphrase-again', type: 'password', autocomplete: 'new-password',
    required: true });
  evm.addEventListener('change', () => { evm.dataset.touched = 'true'; });
  const create = el('button', { type: 'submit', id: 'id-new-submit' }, 'create');
  const createForm = el('form', { class: 'inline', id: 'id-new-form' },
    el('label', {}, 'name', newName),
    el('label', {}, 'passphrase', newPass),
    el('label', {}, 'passphrase again', newPassAgain),
    el('label', { class: 'checkbox' }, el('span', {}, 'EVM (secp256k1)'), evm),
    create);
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = newName.value.trim();
    const passphrase = newPass.value;
    const again = newPassAgain.value;
    newPass.value = '';
    newPassAgain.value = '';
    if (passphrase !== again) {
      show({ reason: 'PASSPHRASES_DIFFER', message: 'the two passphrases differ', hint: 'type the same one twice' });
      newPass.focus();
      return;
    }
    create.disabled = true;
    create.textContent = 'creating…';
    const made = await attempt(() => api.post('/api/identities', { name, passphrase, evm: evm.checked }));
    create.disabled = false;
    create.textContent = 'create';
    if (made) {
      newName.value = '';
      notice(`created ${made.name}; it is unlocked and acting`);
      await identitiesChanged(made.name);
    }
  });

  // ---------------------------------------------------------------- the contact form
  const contactName = el('input', { id: 'contact-name', autocomplete: 'off', placeholder: 'bob', required: true });
  const contactAddress = el('input', { id: 'contact-address', autocomplete: 'off', placeholder: '0x…',
    required: true, class: 'mono' });
  const contactForm = el('form', { class: 'inline', id: 'contact-form' },
    el('label', {}, 'name', contactName),
    el('label', { class: 'wide' }, 'address', contactAddress),
    el('button', { type: 'submit', id: 'contact-add-submit' }, 'add contact'));
  contactForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const added = await attempt(() => api.post('/api/contacts',
      { name: contactName.value.trim(), address: contactAddress.value.trim() }));
    if (added) {
      contactName.value = '';
      contactAddress.value = '';
      notice(added.replaced ? `changed contact ${added.name}` : `added contact ${added.name}`);
      await loadContacts();
    }
  });

  fill(main,
    el('h1', {}, 'Identities and contacts'),
    failure,
    el('section', { class: 'card identities' },
      el('h2', {}, 'My identities'),
      el('p', { class: 'muted' }, 'An unlocked identity is held by this console (until the time shown, or until you'
        + ' lock it) and can be chosen under "Acting as". Keys never leave this machine: the console offers your'
        + ' address, never your keystore.'),
      el('table', { id: 'id-list' },
        el('thead', {}, el('tr', {}, ['name', 'kind', 'address', 'state', ''].map((h) => el('th', {}, h)))),
        ids),
      el('h2', {}, 'New identity'),
      createForm),
    el('section', { class: 'card contacts' },
      el('h2', {}, 'Contacts'),
      el('p', { class: 'muted' }, 'Names for other people\'s addresses, to grant them by name. They get their'
        + ' address from their own console or from \'cachet id export\'.'),
      el('table', { id: 'contact-list' },
        el('thead', {}, el('tr', {}, ['name', 'kind', 'address', ''].map((h) => el('th', {}, h)))),
        contacts),
      contactForm));

  try {
    await Promise.all([loadIdentities(), loadContacts()]);
  } catch (err) {
    show(err);
  }
}
