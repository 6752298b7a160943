// The height a reader's requests sign on an EVM chain, as the Java client computes it
// (CachetClient.confirmedHead): the chain's newest block less the descriptor's confirmations, the
// newest block key servers decide at. Read with `eth_blockNumber` from the descriptor's RPC URL.
//
// A page can read it only if that RPC answers its origin with CORS headers (anvil does by default;
// a hosted RPC may need the page's origin allowed). When it cannot be read in time the height is 0,
// as on the embedded ledger: the key servers then decide on their own view, which may be a block
// behind a grant made a moment ago.
import { fetchWithTimeout, readText } from './http.js';

/** Most bytes of an `eth_blockNumber` answer read: a few dozen are expected. */
export const MAX_HEAD_ANSWER_BYTES = 4096;

/** A block number as JSON-RPC writes it (a QUANTITY): 0x and at most 16 hex digits. */
const QUANTITY = /^0x[0-9a-fA-F]{1,16}$/;

/**
 * The chain's head less `chain.confirmations`, never below 0; 0 when the RPC cannot be read, does
 * not answer within `timeoutMillis`, or answers anything but a block number. The caller's abort
 * rethrows its reason.
 * @param {{rpcUrl: string, confirmations: number}} chain the network descriptor's EVM chain
 */
export async function readConfirmedHead(chain, { signal, timeoutMillis } = {}) {
  try {
    const response = await fetchWithTimeout(
      chain.rpcUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
      },
      { signal, timeoutMillis },
    );
    const text = await readText(response, MAX_HEAD_ANSWER_BYTES, 'the chain\'s eth_blockNumber answer');
    if (response.status !== 200) return 0;
    const head = blockNumber(JSON.parse(text));
    return head === null ? 0 : Math.max(0, head - chain.confirmations);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    return 0;
  }
}

/** The answer's block number, or null when it is not a JSON-RPC answer to our request with one. */
function blockNumber(answer) {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || answer.id !== 1) return null;
  const result = answer.result;
  if (typeof result !== 'string' || !QUANTITY.test(result)) return null;
  const n = Number.parseInt(result.slice(2), 16);
  return Number.isSafeInteger(n) ? n : null;
}
