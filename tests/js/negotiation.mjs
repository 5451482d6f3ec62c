// The real JavaScript Yjs client and the negotiation (issue #13): relative positions, the
// server-written `review` root, typing while suggestions are accepted. Driven by
// tests/process/test_negotiation_live.py.
//
// usage:
//   node negotiation.mjs positions <state-b64> <requests-json>
//     requests: [{"root": "problem", "path": [0, 0], "index": 3, "assoc": 0}, ...]
//     ("title" with path [] is the Y.Text root). Prints {"encoded": [b64...]}.
//   node negotiation.mjs resolve <state-b64> <positions-json>
//     Prints {"resolved": [{"index": i, "path": [...]} | null, ...]}: where each relative
//     position stands, and in which text (path of child indexes from the root fragment).
//   node negotiation.mjs watch <ws-base> <document-id> <token> <wait-json>
//     wait: {"comment": id?, "suggestion": id?, "text": string?, "status": string?}; prints
//     {"review": ..., "problem": [paragraph texts]} once all hold.
//   node negotiation.mjs type <ws-base> <document-id> <token> <label> <count> <wait-json>
//     types "[<label><i>]" count times at the end of the problem's last paragraph, then waits
//     as watch does, and prints the same.
//   node negotiation.mjs forge <ws-base> <document-id> <token>
//     tries to change a review entry; prints {"denied": [reasons], "review": ...}.
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'

const [mode, ...args] = process.argv.slice(2)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const b64 = (bytes) => Buffer.from(bytes).toString('base64')
const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'))

function typeAt (doc, root, path) {
  if (root === 'title') return doc.getText('title')
  let node = doc.getXmlFragment(root)
  for (const index of path) node = node.get(index)
  return node
}

function texts (node, path, out) {
  node.toArray().forEach((child, index) => {
    if (child instanceof Y.XmlText) out.push([child, [...path, index]])
    else if (child instanceof Y.XmlElement) texts(child, [...path, index], out)
  })
  return out
}

function problem (doc) {
  return texts(doc.getXmlFragment('problem'), [], []).map(([node]) => node.toString())
}

function plain (doc) {
  return texts(doc.getXmlFragment('problem'), [], []).map(([node]) =>
    node.toDelta().map((op) => (typeof op.insert === 'string' ? op.insert : '')).join(''))
}

if (mode === 'positions' || mode === 'resolve') {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, unb64(args[0]))
  const requests = JSON.parse(args[1])
  if (mode === 'positions') {
    const encoded = requests.map(({ root, path, index, assoc }) => b64(
      Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(
        typeAt(doc, root, path), index, assoc))))
    console.log(JSON.stringify({ encoded }))
  } else {
    const all = texts(doc.getXmlFragment('problem'), [], [])
    const resolved = requests.map((position) => {
      const abs = Y.createAbsolutePositionFromRelativePosition(
        Y.decodeRelativePosition(unb64(position)), doc)
      if (abs === null) return null
      const found = all.find(([node]) => node === abs.type)
      return { index: abs.index, path: found ? found[1] : null }
    })
    console.log(JSON.stringify({ resolved }))
  }
  process.exit(0)
}

const [serverUrl, documentId, token] = args
const deadline = Date.now() + 25000
const doc = new Y.Doc()
const denied = []
const provider = new WebsocketProvider(serverUrl, documentId, doc, {
  WebSocketPolyfill: WebSocket, params: { token }, disableBc: true
})
let refusedWith = null
provider.on('connection-close', (event) => {
  // A forged review entry is an edit the server refuses: told why, then closed with 4422 so
  // the client loads the document afresh (which the forge mode does next).
  if (mode === 'forge' && event && event.code === 4422) {
    refusedWith = event.code
    return
  }
  if (event && event.code >= 4000) {
    console.log(JSON.stringify({ closed: event.code, reason: event.reason }))
    process.exit(3)
  }
})
// y-websocket drops auth messages; read the permission-denied reason off the socket.
provider.on('status', () => {
  const ws = provider.ws
  if (ws && !ws.kokreasiWatched) {
    ws.kokreasiWatched = true
    ws.addEventListener('message', (event) => {
      const decoder = decoding.createDecoder(new Uint8Array(event.data))
      if (decoding.readVarUint(decoder) === 2 && decoding.readVarUint(decoder) === 0) {
        denied.push(decoding.readVarString(decoder))
      }
    })
  }
})
while (!provider.synced) {
  if (Date.now() > deadline) { console.error('never synced'); process.exit(2) }
  await sleep(10)
}
const review = doc.getMap('review')

function holds (wait) {
  const comments = review.get('comments')
  const suggestions = review.get('suggestions')
  if (wait.comment && !(comments && comments.get(wait.comment))) return false
  if (wait.suggestion) {
    const entry = suggestions && suggestions.get(wait.suggestion)
    if (!entry) return false
    if (wait.status && entry.status !== wait.status) return false
  }
  if (wait.text && !plain(doc).join('\n').includes(wait.text)) return false
  for (const marker of wait.markers || []) {
    if (!plain(doc).join('\n').includes(marker)) return false
  }
  return true
}

async function until (wait) {
  while (!holds(wait)) {
    if (Date.now() > deadline) {
      console.error(`timed out; review ${JSON.stringify(review.toJSON())}; text ${plain(doc)}`)
      process.exit(2)
    }
    await sleep(10)
  }
}

if (mode === 'watch') {
  await until(JSON.parse(args[3]))
} else if (mode === 'type') {
  const [label, countText, waitJson] = args.slice(3)
  const all = texts(doc.getXmlFragment('problem'), [], [])
  const [last] = all[all.length - 1]
  for (let i = 0; i < Number(countText); i++) {
    last.insert(last.length, `[${label}${i}]`)
    await sleep(3)
  }
  await until(JSON.parse(waitJson))
} else if (mode === 'forge') {
  const comments = review.get('comments')
  const [id] = [...comments.keys()]
  comments.set(id, { ...comments.get(id), body: 'forged' })
  await sleep(500)
  provider.disconnect()
  const fresh = new Y.Doc()
  const again = new WebsocketProvider(serverUrl, documentId, fresh, {
    WebSocketPolyfill: WebSocket, params: { token }, disableBc: true
  })
  while (!again.synced) {
    if (Date.now() > deadline) { console.error('never synced again'); process.exit(2) }
    await sleep(10)
  }
  console.log(JSON.stringify({ denied, closed: refusedWith, review: fresh.getMap('review').toJSON() }))
  again.destroy()
  provider.destroy()
  process.exit(0)
}
await sleep(50)
console.log(JSON.stringify({ review: review.toJSON(), problem: plain(doc), clientId: doc.clientID }))
provider.destroy()
process.exit(0)
