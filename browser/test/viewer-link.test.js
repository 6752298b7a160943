import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenFromFragment, viewerLink } from '../viewer/link.js';

test('the token is read from the fragment, with or without the #', () => {
  assert.equal(tokenFromFragment('#token=cachet1.abc_-'), 'cachet1.abc_-');
  assert.equal(tokenFromFragment('token=cachet1.abc'), 'cachet1.abc');
  assert.equal(tokenFromFragment('#x=1&token=cachet1.abc&y=2'), 'cachet1.abc');
});

test('no token, an empty one, or a malformed escape gives none', () => {
  for (const hash of ['', '#', '#token=', '#tokens=cachet1.a', '#token=%E0%A4%A', null, undefined]) {
    assert.equal(tokenFromFragment(hash), null);
  }
});

test('a link carries the token in its fragment, never in its query', () => {
  const link = viewerLink('http://127.0.0.1:7000/?a=b#old', 'cachet1.xyz');
  assert.equal(link, 'http://127.0.0.1:7000/?a=b#token=cachet1.xyz');
  assert.equal(tokenFromFragment(new URL(link).hash), 'cachet1.xyz');
});
