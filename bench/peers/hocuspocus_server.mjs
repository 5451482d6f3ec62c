// Hocuspocus 4 with its SQLite extension, as a peer for the live-server benchmark.
// Runs on Node >= 22 from the peers' folder (bench/.peers/hocuspocus, made by install.sh);
// the store keeps Hocuspocus's defaults (debounce 2 s, at most 10 s), as deployed.
//
//   node hocuspocus_server.mjs --port 8102 --db /tmp/x/hocuspocus.sqlite [--peers DIR]

import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    db: { type: 'string' },
    peers: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '..', '.peers') }
  }
})
if (!opts.port || !opts.db) {
  process.stderr.write('usage: hocuspocus_server.mjs --port P --db FILE [--peers DIR]\n')
  process.exit(2)
}

// The packages live in the peers' folder, not beside this script: resolve them from there.
const require = createRequire(join(opts.peers, 'hocuspocus', 'package.json'))
const { Server } = require('@hocuspocus/server')
const { SQLite } = require('@hocuspocus/extension-sqlite')

const server = new Server({
  port: Number(opts.port),
  address: '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database: opts.db })]
})
await server.listen()
process.stdout.write(`hocuspocus listening on 127.0.0.1:${opts.port}\n`)
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => { await server.destroy(); process.exit(0) })
}
