// The stock y-websocket provider, asking for saved acknowledgements (saved=1) as the contract
// allows any client to: it must receive them and log nothing about them. Driven by
// tests/server/test_js_saved_ack.py.
//
// usage: node quiet_ack.mjs <ws-base-url> <document-id> <token> <edits>
//   types <edits> words into the text "text", waits until acknowledgements have arrived for
//   all of them, and prints one JSON line: {"acks": n, "logged": [console errors/warnings]}
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'

const [serverUrl, documentId, token, editsText] = process.argv.slice(2)
const edits = Number(editsText)
const deadline = Date.now() + 20000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const logged = []
for (const level of ['error', 'warn']) {
  const original = console[level]
  console[level] = (...args) => {
    logged.push(`${level}: ${args.map(String).join(' ')}`)
    original(...args)
  }
}

// Count acknowledgements as they come off the wire, in either encoding the server has used:
// an auth message (2) of sub-type 100, or a message of type 100 of its own.
let acks = 0
let acked = new Map()
class CountingSocket extends WebSocket {
  constructor(...args) {
    super(...args)
    this.addEventListener('message', (event) => {
      const decoder = decoding.createDecoder(new Uint8Array(event.data))
      const type = decoding.readVarUint(decoder)
      if (type === 2 && decoding.readVarUint(decoder) !== 100) return
      if (type !== 2 && type !== 100) return
      acks += 1
      acked = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
    })
  }
}

const doc = new Y.Doc()
const provider = new WebsocketProvider(serverUrl, documentId, doc, {
  WebSocketPolyfill: CountingSocket,
  params: { token, saved: '1' },
  disableBc: true,
})
while (!provider.synced) {
  if (Date.now() > deadline) { console.log(JSON.stringify({ error: 'never synced', logged })); process.exit(2) }
  await sleep(10)
}
const text = doc.getText('text')
for (let i = 0; i < edits; i++) {
  text.insert(text.length, `word${i} `)
  await sleep(5)
}
const mine = () => Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID)
while ((acked.get(doc.clientID) ?? 0) < mine()) {
  if (Date.now() > deadline) { console.log(JSON.stringify({ error: 'never acknowledged', acks, logged })); process.exit(2) }
  await sleep(10)
}
console.log(JSON.stringify({ acks, logged }))
provider.destroy()
process.exit(0)
