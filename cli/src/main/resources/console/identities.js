// The identities page (owned by its route group; see docs/CONSOLE.md).
import { el, fill } from './ui.js';

export async function render(main, shell) {
  fill(main, el('h1', {}, 'identities'), el('p', {}, 'coming soon'));
}
