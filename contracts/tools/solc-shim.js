#!/usr/bin/env node
// forge -> solcjs bridge. forge expects a native solc binary; we only have the
// npm build (WebAssembly). forge calls:
//   <shim> --version
//   <shim> [--base-path P] [--include-path P]... [--allow-paths ...] --standard-json   (JSON on stdin)
// and we answer both like native solc would.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  // native format: "solc, the solidity compiler commandline interface\nVersion: 0.8.30+commit.73712a01.Linux.g++"
  process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
  process.exit(0);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') roots.push(args[++i]);
  else if (args[i] === '--allow-paths') i++;
}
if (roots.length === 0) roots.push(process.cwd());

function findImports(p) {
  const candidates = path.isAbsolute(p) ? [p] : roots.map((r) => path.resolve(r, p));
  for (const c of candidates) {
    try {
      return { contents: fs.readFileSync(c, 'utf8') };
    } catch (_) { /* try next root */ }
  }
  return { error: 'File not found in ' + JSON.stringify(roots) + ': ' + p };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
