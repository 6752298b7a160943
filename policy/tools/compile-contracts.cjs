#!/usr/bin/env node
// Compiles every .sol file under the given directories with solc-js (the version pinned in the
// root package-lock.json) and prints one JSON document: {"compiler": version, "contracts":
// {Name: {"abi": [...], "bytecode": "0x...", "deployedBytecode": "0x..."}}}, names sorted, so the
// committed artifact can be compared byte for byte with a fresh compile.
// Usage: node policy/tools/compile-contracts.cjs DIR [DIR ...]
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
const solc = require(path.join(root, 'node_modules', 'solc'));

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: compile-contracts.cjs DIR [DIR ...]\n');
  process.exit(2);
}
const sources = {};
for (const dir of dirs) {
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort()) {
    sources[name] = { content: fs.readFileSync(path.join(dir, name), 'utf8') };
  }
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    // no metadata hash: the bytecode then depends on the sources alone, not on file paths
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
function findImports(importPath) {
  for (const base of [path.join(root, 'node_modules'), ...dirs]) {
    const file = path.join(base, importPath);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: 'not found: ' + importPath };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
if (errors.length > 0) process.exit(1);
const contracts = {};
for (const file of Object.keys(output.contracts).sort()) {
  if (!sources[file]) continue; // imported library sources are compiled but not published
  for (const name of Object.keys(output.contracts[file]).sort()) {
    const c = output.contracts[file][name];
    if (c.evm.bytecode.object.length === 0) continue; // interfaces and abstract contracts
    contracts[name] = {
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
  }
}
process.stdout.write(JSON.stringify({ compiler: solc.version(), contracts }, null, 2) + '\n');
