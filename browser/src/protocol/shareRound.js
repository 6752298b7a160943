// The answers of one key fetch (ShareRound.java); settles once, when t shares rebuild the key the
// header commits to, or when that can no longer happen.
//
// A released share is checked against its receipt and its context, but nothing ties its value to
// the key: a key server with a valid key of its own can release a wrong share, and t shares that
// include it rebuild a key the commitment rejects. So a mismatch is not the end while servers are
// still to answer: each later share is tried in every t-subset it completes (at most MAX_SUBSETS
// in all), and only when no server is left does the fetch fail, as COMMITMENT_MISMATCH. When a
// later subset rebuilds the key, every share outside it is tried with the winners (nameWrongShares,
// as Java's ShareRound): a server whose share lies off their polynomial is named, its outcome made
// `invalid` with reason WRONG_SHARE, so an app sees the key server that lied though the open worked.
import { id32Text } from '../codec.js';
import { checkCommitment, combineShares } from '../envelope/dataKey.js';
import { AccessRefusedError, CachetError, KeyServersUnavailableError, describeOutcomes } from '../errors.js';

/** A bound on the combinations tried, so a fetch with many lying servers cannot spin. */
export const MAX_SUBSETS = 1000;

export class ShareRound {
  #header;
  #shares = [];
  #outcomes = [];
  #mismatch = null;
  #tried = 0;
  /** Positions in #shares of the t-subset that rebuilt the key. */
  #winner = null;
  #queue = Promise.resolve();
  #resolve;
  #reject;

  constructor(header) {
    this.#header = header;
    this.done = false;
    this.settled = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /**
   * One server's outcome, with its opened share ({index, bytes}) when it released one. Answers are
   * taken one at a time, in the order they came: rebuilding the key is asynchronous.
   */
  answer(outcome, share) {
    // a fault in taking one answer ends the round (its shares zeroed) rather than stalling the queue
    this.#queue = this.#queue.then(() => this.#take(outcome, share)).catch((e) => this.abort(e));
  }

  async #take(outcome, share) {
    if (this.done) {
      share?.bytes.fill(0);
      return;
    }
    this.#outcomes.push(outcome);
    if (share) this.#shares.push({ ...share, serverId: outcome.serverId });
    const t = this.#header.threshold;
    const n = this.#header.shareCount;
    if (share && this.#shares.length >= t) {
      const dek = await this.#rebuildWithNewest(t);
      if (dek) {
        if (this.done) {
          dek.fill(0);
          return;
        }
        if (this.#mismatch) await this.#nameWrongShares(t);
        this.#finish();
        this.#resolve({ dek, outcomes: this.#allOutcomes() });
        return;
      }
    }
    const failed = this.#outcomes.length - this.#shares.length;
    if (this.#outcomes.length >= n || n - failed < t) {
      const released = this.#shares.map((s) => s.serverId);
      const enough = this.#shares.length >= t;
      this.#finish();
      const all = this.#allOutcomes();
      if (this.#mismatch && enough) {
        this.#reject(
          new CachetError(
            'COMMITMENT_MISMATCH',
            `the shares released by ${released.join(', ')} do not rebuild the key this envelope commits to: a key ` +
              `server released a wrong share, or the envelope was sealed wrongly. ${describeOutcomes(all)}`,
            { cause: this.#mismatch },
          ),
        );
      } else if (all.some((o) => o.kind === 'denied')) {
        this.#reject(new AccessRefusedError(id32Text(this.#header.policyId), t, all, { ledgerId: this.#header.ledgerId }));
      } else {
        this.#reject(new KeyServersUnavailableError(t, all, {
          policyId: id32Text(this.#header.policyId),
          ledgerId: this.#header.ledgerId,
        }));
      }
    }
  }

  /** Ends the round from outside (the caller aborted): every share held is zeroed. */
  abort(reason) {
    if (this.done) return;
    this.#finish();
    this.#reject(reason);
  }

  /** The key from a t-subset holding the newest share that matches the commitment, else null. */
  async #rebuildWithNewest(t) {
    const shares = this.#shares;
    const newest = shares[shares.length - 1];
    const others = shares.length - 1;
    const pick = Array.from({ length: t - 1 }, (_, i) => i);
    while (this.#tried < MAX_SUBSETS) {
      const subset = pick.map((i) => shares[i]).concat([newest]);
      this.#tried++;
      let dek = null;
      try {
        dek = await combineShares(
          subset.map((s) => ({ index: s.index, bytes: s.bytes })),
          t,
          this.#header.shareCount,
        );
        checkCommitment(this.#header, dek);
        this.#winner = pick.concat([shares.length - 1]);
        return dek;
      } catch (e) {
        dek?.fill(0);
        this.#mismatch = e;
      }
      // the next combination of t - 1 among the earlier shares, in lexicographic order
      let i = pick.length - 1;
      while (i >= 0 && pick[i] === others - pick.length + i) i--;
      if (i < 0) return null;
      pick[i]++;
      for (let j = i + 1; j < pick.length; j++) pick[j] = pick[j - 1] + 1;
    }
    return null;
  }

  /**
   * Each share outside the winning subset, tried with t - 1 of the winners: a share on the same
   * polynomial rebuilds the committed key with them, a wrong one (but with negligible chance) does not.
   */
  async #nameWrongShares(t) {
    const base = this.#winner.slice(0, t - 1).map((i) => this.#shares[i]);
    for (let j = 0; j < this.#shares.length; j++) {
      if (this.#winner.includes(j)) continue;
      const probe = base.concat([this.#shares[j]]);
      let dek = null;
      try {
        dek = await combineShares(probe.map((s) => ({ index: s.index, bytes: s.bytes })), t, this.#header.shareCount);
        checkCommitment(this.#header, dek);
      } catch {
        const serverId = this.#shares[j].serverId;
        const at = this.#outcomes.findIndex((o) => o.serverId === serverId);
        this.#outcomes[at] = {
          ...this.#outcomes[at],
          kind: 'invalid',
          reason: 'WRONG_SHARE',
          message: 'released a share under a valid receipt that is off the polynomial the other shares agree on (outvoted)',
        };
        console.warn(`event=wrong_share_outvoted server=${serverId} policy=${id32Text(this.#header.policyId)} object=${id32Text(this.#header.objectId)}`);
      } finally {
        dek?.fill(0);
      }
    }
  }

  /** Every slot's outcome in slot order; a slot whose server was not heard is not needed. */
  #allOutcomes() {
    const n = this.#header.shareCount;
    const decided = this.#outcomes.length;
    return this.#header.slots.map(
      (slot) =>
        this.#outcomes.find((o) => o.serverId === slot.keyServerId) ?? {
          serverId: slot.keyServerId,
          kind: 'not_needed',
          httpStatus: 0,
          reason: null,
          message: `no answer needed: ${decided} of ${n} already decided`,
        },
    );
  }

  #finish() {
    this.done = true;
    for (const s of this.#shares) s.bytes.fill(0);
  }
}
