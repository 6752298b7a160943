import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SDK_VERSION } from '../src/index.js';

test('the SDK names its version', () => {
  assert.equal(SDK_VERSION, '0.1.0');
});
