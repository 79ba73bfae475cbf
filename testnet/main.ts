#!/usr/bin/env node
// `npm start`: until the local testnet lands, say how to run the pieces that exist.
console.log(`Tongban ${process.env.npm_package_version ?? ''}

The local five-member testnet (npm start) is not built yet.
What works today:
  npm test                      protocol vectors, ledger, crash and tamper tests
  node dist/cli/main.js --help  the tongban command (offline verification)

See README.md for the protocol layer and the ledger store.`);
