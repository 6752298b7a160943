import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeLine, reasonMeaning, refusalMeanings, refusalSummary, unavailableSummary, ledgerWindow, when, byteWords } from '../viewer/refusal.js';

const ME = '0x' + 'ab'.repeat(32);
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const HOUR = 3600_000;

const notAMember = [
  { serverId: 'ks-1', kind: 'denied', httpStatus: 200, reason: 'NOT_A_MEMBER', message: 'not a member of 0x12' },
  { serverId: 'ks-2', kind: 'denied', httpStatus: 200, reason: 'NOT_A_MEMBER', message: 'not a member of 0x12' },
  { serverId: 'ks-3', kind: 'unavailable', reason: 'UNREACHABLE', message: 'connection refused' },
];

test('each outcome is one line: server, kind, reason code, status and message', () => {
  assert.equal(outcomeLine(notAMember[0]), 'ks-1: refused (NOT_A_MEMBER) [HTTP 200]: not a member of 0x12');
  assert.equal(outcomeLine(notAMember[2]), 'ks-3: could not be reached (UNREACHABLE): connection refused');
  assert.equal(outcomeLine({ serverId: 'ks-2', kind: 'released' }), 'ks-2: released its share');
  assert.equal(outcomeLine({ serverId: 'ks-4', kind: 'strange', reason: 'X' }), 'ks-4: strange (X)');
});

test('a reason given by several servers is explained once, in plain words', () => {
  const m = refusalMeanings(notAMember);
  assert.deepEqual(m.map((x) => x.reason), ['NOT_A_MEMBER']);
  assert.match(m[0].meaning, /not on this policy's allow-list/);
});

test('the reasons of KEYSERVER.md and LEDGER.md each have a meaning', () => {
  for (const reason of ['NOT_A_MEMBER', 'NOT_YET_VALID', 'EXPIRED', 'LOCKED', 'UNKNOWN_POLICY', 'WRONG_LEDGER',
    'LEDGER_UNAVAILABLE', 'LEDGER_STALE', 'LEDGER_BEHIND', 'CONTEXT_MISMATCH', 'UNKNOWN_KEY', 'SESSION_EXPIRED',
    'STALE_REQUEST', 'RATE_LIMITED', 'OVERLOADED']) {
    assert.ok(reasonMeaning(reason), reason);
  }
  assert.match(reasonMeaning('EXPIRED'), /window has ended/);
  assert.match(reasonMeaning('NOT_YET_VALID'), /not opened yet/);
  assert.match(reasonMeaning('LOCKED'), /time lock/);
  assert.equal(reasonMeaning('toString'), null);
  assert.equal(reasonMeaning('SOMETHING_NEW'), null);
});

test('the summary names who refused, who could not be reached, and how many were needed', () => {
  assert.equal(refusalSummary(notAMember, 2),
    'Access refused by ks-1, ks-2; ks-3 could not be reached: 0 of 3 key servers released a share, 2 needed.');
});

test('answers that did not check out are not "could not be reached": separate clauses, reason named', () => {
  const outcomes = [
    { serverId: 'ks-1', kind: 'invalid', httpStatus: 200, reason: 'BAD_RECEIPT', message: 'signature does not verify' },
    { serverId: 'ks-2', kind: 'unavailable', reason: 'UNREACHABLE', message: 'connection refused' },
    { serverId: 'ks-3', kind: 'released' },
  ];
  const words = unavailableSummary(outcomes, 2);
  assert.equal(words.startsWith('Too few key servers gave a share that checks out: ks-2 could not be reached; '
    + 'ks-1 (BAD_RECEIPT) answered something that did not check out; 1 of 3 released one, 2 needed.'), true, words);
  assert.match(words, /tampering/);
  assert.doesNotMatch(words, /ks-1[^;]*could not be reached/);
  assert.equal(unavailableSummary(outcomes.slice(1), 2),
    'Too few key servers gave a share that checks out: ks-2 could not be reached; 1 of 2 released one, 2 needed.');
  assert.equal(refusalSummary([{ serverId: 'ks-1', kind: 'denied', reason: 'NOT_A_MEMBER' }, outcomes[0]], 2),
    'Access refused by ks-1; ks-1 (BAD_RECEIPT) answered something that did not check out: 0 of 2 key servers released a share, 2 needed.');
});

test('the ledger\'s window is judged at the time given: open, not yet, ended, absent', () => {
  const list = (notBefore, notAfter) => ({ kind: 'allowList', members: [{ address: ME, notBefore, notAfter }] });
  assert.equal(ledgerWindow(list(NOW - HOUR, null), ME, NOW).state, 'member');
  assert.match(ledgerWindow(list(NOW - HOUR, null), ME, NOW).words, /with no end/);
  assert.equal(ledgerWindow(list(NOW + HOUR, NOW + 2 * HOUR), ME, NOW).state, 'not-yet');
  const ended = ledgerWindow(list(NOW - 2 * HOUR, NOW - HOUR), ME, NOW);
  assert.equal(ended.state, 'ended');
  assert.match(ended.words, /until 2026-12-07 11:00:00 UTC, 1 h ago/);
  assert.equal(ledgerWindow(list(NOW - HOUR, NOW), ME, NOW).state, 'ended', 'the end is exclusive');
  assert.equal(ledgerWindow(list(0, null), '0x' + 'cd'.repeat(32), NOW).state, 'not-member');
  assert.equal(ledgerWindow(list(0, null), ME.toUpperCase().replace('0X', '0x'), NOW).state, 'member');
});

test('a time lock says when it opens', () => {
  assert.deepEqual(ledgerWindow({ kind: 'timeLock', unlockAt: NOW + 3 * HOUR }, ME, NOW),
    { state: 'locked', words: 'The ledger records a time lock that opens 2026-12-07 15:00:00 UTC, in 3 h.' });
  assert.equal(ledgerWindow({ kind: 'timeLock', unlockAt: NOW - 1000 }, ME, NOW).state, 'open');
  assert.equal(ledgerWindow({ kind: 'tokenGate' }, ME, NOW).state, 'unknown');
});

test('times and sizes read as a person reads them', () => {
  assert.equal(when(NOW + 90_000, NOW), '2026-12-07 12:01:30 UTC, in 2 min');
  assert.equal(when(NOW - 3 * 86_400_000, NOW), '2026-12-04 12:00:00 UTC, 3 days ago');
  assert.equal(byteWords(0), '0 bytes');
  assert.equal(byteWords(1536), '1.5 KiB');
  assert.equal(byteWords(256 * 1024 * 1024), '256.0 MiB');
});
