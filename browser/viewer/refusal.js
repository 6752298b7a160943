// A refusal in plain words: each key server's outcome as one line, what its reason code means
// (docs/KEYSERVER.md "What a fetch request goes through" and its item results, docs/LEDGER.md
// decisions), and the reader's window as the ledger records it. Pure functions: the page builds
// its DOM from what they return, with textContent.

/** What each reason code a key server gives means for the person reading, and what they can do. */
const MEANINGS = Object.freeze({
  NOT_A_MEMBER: 'Your address is not on this policy\'s allow-list. Send it (above) to the file\'s owner and ask them to grant you: cachet policy grant POLICY ADDRESS.',
  NOT_YET_VALID: 'You are on the allow-list, but your window has not opened yet. Try again once it starts.',
  EXPIRED: 'You were on the allow-list, but your window has ended. Ask the file\'s owner to extend it.',
  LOCKED: 'The file is under a time lock that has not opened yet: nobody can read it before its time.',
  UNKNOWN_POLICY: 'The key server\'s ledger has no such policy: the file names a policy that does not exist there.',
  WRONG_LEDGER: 'The file names another ledger than the one this key server follows: it was sealed on another network.',
  LEDGER_UNAVAILABLE: 'The key server could not read the policy from its ledger just now. Try again shortly.',
  LEDGER_STALE: 'The key server\'s view of the ledger is too old, so it refuses everything until it catches up. Try again shortly.',
  LEDGER_BEHIND: 'The key server has not yet seen the ledger height the request needs. Try again in a moment.',
  CONTEXT_MISMATCH: 'The share does not open under what the file\'s header says: the header was altered (another policy, object or slot). The file is not what its owner sealed.',
  UNKNOWN_KEY: 'The share was sealed to a key this key server does not hold: the file was sealed for another deployment of it.',
  TOO_MANY_POLICIES: 'The request named too many policies at once; ask again.',
  WRONG_KEY_SERVER: 'The request reached a key server other than the one it was addressed to: the network\'s URLs are mixed up.',
  WRONG_AUDIENCE: 'The session was made for another key server: the network\'s URLs or ids are mixed up.',
  WRONG_CHAIN: 'The session names another chain than this key server follows.',
  BAD_SIGNATURE: 'The key server did not accept this browser\'s signature.',
  SESSION_EXPIRED: 'This browser\'s session had expired: check the computer\'s clock and try again.',
  SESSION_NOT_YET_VALID: 'This browser\'s session starts in the key server\'s future: check the computer\'s clock.',
  STALE_REQUEST: 'The request\'s time is too far from the key server\'s clock: check the computer\'s clock.',
  REQUEST_BEFORE_RESTART: 'The key server restarted while the request was under way; try again.',
  REPLAYED_REQUEST: 'The key server had seen this request before; try again.',
  RATE_LIMITED: 'Too many requests: the key server asks to slow down. Try again in a moment.',
  OVERLOADED: 'The key server is overloaded. Try again in a moment.',
  DEADLINE_EXCEEDED: 'The key server was too busy to answer in time. Try again in a moment.',
});

/** What each outcome kind (Java's ServerOutcome) is, in words. */
const KINDS = Object.freeze({
  released: 'released its share',
  denied: 'refused',
  unavailable: 'could not be reached',
  invalid: 'answered something that did not check out',
  not_needed: 'was not asked',
});

/** The plain meaning of a reason code, or null when the viewer has none to add to the server's message. */
export function reasonMeaning(reason) {
  return Object.hasOwn(MEANINGS, reason) ? MEANINGS[reason] : null;
}

/**
 * One line for one key server's outcome: server, kind, reason code and the server's message.
 * @param {{ serverId: string, kind: string, httpStatus?: number, reason?: string, message?: string }} outcome
 */
export function outcomeLine(outcome) {
  const kind = KINDS[outcome.kind] ?? outcome.kind;
  const reason = outcome.reason ? ` (${outcome.reason})` : '';
  const status = outcome.httpStatus ? ` [HTTP ${outcome.httpStatus}]` : '';
  const message = outcome.message ? `: ${outcome.message}` : '';
  return `${outcome.serverId}: ${kind}${reason}${status}${message}`;
}

/**
 * The distinct meanings behind a refusal's outcomes, in the order the servers gave them: one
 * paragraph per reason, so three servers saying NOT_A_MEMBER explain it once.
 * @returns {{ reason: string, meaning: string }[]}
 */
export function refusalMeanings(outcomes) {
  const seen = new Set();
  const out = [];
  for (const o of outcomes ?? []) {
    if (!o.reason || o.kind === 'released' || seen.has(o.reason)) continue;
    seen.add(o.reason);
    const meaning = reasonMeaning(o.reason);
    if (meaning) out.push({ reason: o.reason, meaning });
  }
  return out;
}

/**
 * The servers that could not be reached and those whose answer did not check out, as separate
 * clauses: an answer that fails its checks (a forged receipt, a share that does not open or is
 * outvoted, a session refused) may be an attack or a clock problem, never "unreachable".
 */
function failureClauses(list) {
  const unreachable = list.filter((o) => o.kind === 'unavailable').map((o) => o.serverId);
  const invalid = list.filter((o) => o.kind === 'invalid').map((o) => `${o.serverId}${o.reason ? ` (${o.reason})` : ''}`);
  const parts = [];
  if (unreachable.length) parts.push(`${unreachable.join(', ')} could not be reached`);
  if (invalid.length) parts.push(`${invalid.join(', ')} answered something that did not check out`);
  return parts;
}

/** One summary sentence: how many key servers refused, and how many were needed. */
export function refusalSummary(outcomes, threshold) {
  const list = outcomes ?? [];
  const released = list.filter((o) => o.kind === 'released').length;
  const refused = list.filter((o) => o.kind === 'denied').map((o) => o.serverId);
  const parts = [];
  if (refused.length) parts.push(`refused by ${refused.join(', ')}`);
  parts.push(...failureClauses(list));
  const needed = threshold ? `, ${threshold} needed` : '';
  return `Access ${parts.join('; ') || 'not granted'}: ${released} of ${list.length} key servers released a share${needed}.`;
}

/**
 * One summary sentence for KEY_SERVERS_UNAVAILABLE: who could not be reached, whose answer did not
 * check out (with a word on what that can mean), and how many shares were needed.
 */
export function unavailableSummary(outcomes, threshold) {
  const list = outcomes ?? [];
  const released = list.filter((o) => o.kind === 'released').length;
  const parts = failureClauses(list);
  const needed = threshold ? `, ${threshold} needed` : '';
  const warning = list.some((o) => o.kind === 'invalid')
    ? ' An answer that does not check out can mean tampering on the way, a misconfigured key server or a wrong clock.'
    : '';
  return `Too few key servers gave a share that checks out: ${parts.join('; ') || 'none named'}; `
    + `${released} of ${list.length} released one${needed}.${warning}`;
}

/**
 * The reader's standing in a policy as the ledger records it (`GET /v1/policies/{id}`, docs/LEDGER.md),
 * judged at the ledger's time when known, else this computer's clock: one sentence and a state.
 * Times in the ledger are milliseconds since the epoch; an open window end is null.
 * @param {object} policy the ledger's policy JSON
 * @param {string} address the reader's address
 * @param {number} nowMillis
 * @returns {{ state: 'member' | 'not-yet' | 'ended' | 'not-member' | 'locked' | 'open' | 'unknown', words: string }}
 */
export function ledgerWindow(policy, address, nowMillis) {
  if (policy?.kind === 'timeLock') {
    const at = Number(policy.unlockAt);
    return at > nowMillis
      ? { state: 'locked', words: `The ledger records a time lock that opens ${when(at, nowMillis)}.` }
      : { state: 'open', words: `The ledger records a time lock that opened ${when(at, nowMillis)}.` };
  }
  if (policy?.kind !== 'allowList' || !Array.isArray(policy.members)) {
    return { state: 'unknown', words: `The ledger records a policy of a kind the viewer does not read (${policy?.kind}).` };
  }
  const me = policy.members.find((m) => String(m.address).toLowerCase() === String(address).toLowerCase());
  if (!me) {
    return { state: 'not-member', words: `The ledger's allow-list (${policy.members.length} members) does not name your address.` };
  }
  const from = Number(me.notBefore);
  const until = me.notAfter == null ? null : Number(me.notAfter);
  const window = `from ${when(from, nowMillis)} ${until == null ? 'with no end' : `until ${when(until, nowMillis)}`}`;
  if (from > nowMillis) return { state: 'not-yet', words: `Your window on the ledger opens later: ${window}.` };
  if (until != null && until <= nowMillis) return { state: 'ended', words: `Your window on the ledger has ended: ${window}.` };
  return { state: 'member', words: `Your window on the ledger is open: ${window}.` };
}

/** A time as UTC with how far it is from now ("2026-12-07 14:00:05 UTC, in 3 h"). */
export function when(millis, nowMillis) {
  const stamp = new Date(millis).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `${stamp}, ${relative(millis - nowMillis)}`;
}

function relative(deltaMillis) {
  const ahead = deltaMillis >= 0;
  let s = Math.round(Math.abs(deltaMillis) / 1000);
  let words;
  if (s < 60) words = `${s} s`;
  else if ((s = Math.round(s / 60)) < 60) words = `${s} min`;
  else if ((s = Math.round(s / 60)) < 48) words = `${s} h`;
  else words = `${Math.round(s / 24)} days`;
  return ahead ? `in ${words}` : `${words} ago`;
}

/** A byte count in the unit a person reads best. */
export function byteWords(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
