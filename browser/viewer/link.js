// How a share token reaches the viewer in a link: in the URL's fragment, `#token=cachet1.…`. A
// fragment is never sent to a server, so the token stays out of the viewer's and proxies' logs; a
// token in the query string would not.

/** The fragment's key for the token. */
export const TOKEN_KEY = 'token';

/**
 * The share token a location's fragment carries, or null.
 * @param {string} hash `location.hash`, with or without its '#'
 */
export function tokenFromFragment(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq) !== TOKEN_KEY) continue;
    let value;
    try {
      value = decodeURIComponent(part.slice(eq + 1)).trim();
    } catch {
      return null;
    }
    return value === '' ? null : value;
  }
  return null;
}

/** A link that opens `token` in the viewer at `viewerUrl` (any fragment it had is replaced). */
export function viewerLink(viewerUrl, token) {
  const base = String(viewerUrl).replace(/#.*$/, '');
  return `${base}#${TOKEN_KEY}=${encodeURIComponent(token)}`;
}
