// Live-server load generator: real Yjs clients in one process, measured on one clock.
//
// Each writer notes performance.now() before an edit and embeds the edit's id in the text it
// inserts ("#writer.seq;"); every other client of the document notes when its Y.Doc integrates
// that id. The difference is the fan-out latency. Prints one JSON object on stdout.
//
//   node loadgen.mjs --scenario S1 --protocol y-websocket --url ws://127.0.0.1:8000/ws \
//       --token T --server-pid 1234
//
// Scenarios (issue 3): S1 1 doc x 30 clients, 5 writers at 10 edits/s (--cursor adds an
// awareness update per edit); S2 100 docs x 3 clients, 1 writer each at 5 edits/s; S3 10 docs x
// 2 clients, closed loop with at most 16 edits in flight; D S2 load, SIGKILL of the server
// process groups at 10 s, every client destroyed at once (none can re-send), the ids peers had
// seen written to --seen-file; count: one fresh client per document of --seen-file counts what
// the server kept.

import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

import { HocuspocusProvider } from '@hocuspocus/provider'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

const SCENARIOS = {
  S1: { docs: 1, clients: 30, writers: 5, rate: 10, duration: 20 },
  S2: { docs: 100, clients: 3, writers: 1, rate: 5, duration: 20 },
  S3: { docs: 10, clients: 2, writers: 1, inflight: 16, duration: 15 },
  D: { docs: 100, clients: 3, writers: 1, rate: 5, duration: 10 },
  count: { docs: 0, clients: 1, writers: 0, duration: 0 }
}
const TEXT = 'bench'
const TOKEN = /#(\d+)\.(\d+);/g

const { values: opts } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'S1' },
    protocol: { type: 'string', default: 'y-websocket' }, // or hocuspocus
    url: { type: 'string', multiple: true }, // clients of a document are spread over these
    token: { type: 'string' },
    'token-file': { type: 'string' }, // one token a line: each client signs in as its own person
    prefix: { type: 'string', default: `bench-${process.pid}` }, // document names
    cursor: { type: 'boolean', default: false },
    duration: { type: 'string' },
    docs: { type: 'string' },
    settle: { type: 'string', default: '10' }, // seconds to wait for stragglers after the load
    'connect-timeout': { type: 'string', default: '60' },
    'server-pid': { type: 'string', multiple: true, default: [] },
    'kill-pgid': { type: 'string', multiple: true, default: [] },
    'seen-file': { type: 'string' }
  }
})

const scenario = { ...SCENARIOS[opts.scenario] }
if (!SCENARIOS[opts.scenario]) fail(`unknown scenario ${opts.scenario}`)
if (!opts.url?.length) fail('give at least one --url')
if (opts.duration) scenario.duration = Number(opts.duration)
if (opts.docs) scenario.docs = Number(opts.docs)
const serverPids = opts['server-pid'].map(Number)
const tokens = opts['token-file']
  ? readFileSync(opts['token-file'], 'utf8').split('\n').map((t) => t.trim()).filter(Boolean)
  : [opts.token ?? '']
let clientsConnected = 0

function fail (message) {
  process.stderr.write(`loadgen: ${message}\n`)
  process.exit(2)
}

process.setMaxListeners(0) // every y-websocket provider adds an exit listener

const began = performance.now()
function note (message) {
  process.stderr.write(`loadgen ${((performance.now() - began) / 1000).toFixed(1)} s: ${message}\n`)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---- server resources, read from /proc (the server's process tree) ----

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

function processTree (pid) {
  const pids = [pid]
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      for (const child of children ? children.split(/\s+/) : []) pids.push(...processTree(Number(child)))
    }
  } catch { /* the process ended */ }
  return pids
}

function resources () {
  let ticks = 0
  let rssKb = 0
  for (const root of serverPids) {
    for (const pid of processTree(root)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        ticks += Number(fields[11]) + Number(fields[12]) // utime, stime
        const status = readFileSync(`/proc/${pid}/status`, 'utf8')
        rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      } catch { /* the process ended between listing and reading */ }
    }
  }
  return { ticks, rssKb, at: performance.now() }
}

// ---- clients ----

function connect (docName, index) {
  const url = opts.url[index % opts.url.length]
  const token = tokens[clientsConnected++ % tokens.length]
  const doc = new Y.Doc()
  let provider
  const synced = new Promise((resolve) => {
    if (opts.protocol === 'hocuspocus') {
      provider = new HocuspocusProvider({
        url,
        name: docName,
        document: doc,
        token: token || 'bench',
        WebSocketPolyfill: WebSocket,
        onSynced: () => resolve()
      })
    } else {
      provider = new WebsocketProvider(url, docName, doc, {
        WebSocketPolyfill: WebSocket,
        params: token ? { token } : {},
        disableBc: true // same-process clients must talk through the server only
      })
      provider.on('sync', (isSynced) => { if (isSynced) resolve() })
    }
  })
  provider.awareness.setLocalStateField('user', { name: `client ${index}` })
  return { doc, provider, synced, text: doc.getText(TEXT), docName, index }
}

async function connectAll (docNames, clientsPerDoc) {
  const wanted = docNames.flatMap((name) => Array.from({ length: clientsPerDoc }, (_, c) => [name, c]))
  const clients = []
  const timeout = Number(opts['connect-timeout']) * 1000
  const batch = 25 // a few at a time, as people arrive, not as one burst
  for (let i = 0; i < wanted.length; i += batch) {
    const chunk = wanted.slice(i, i + batch).map(([name, c]) => connect(name, c))
    clients.push(...chunk)
    const synced = Promise.all(chunk.map((client) => client.synced)).then(() => true)
    if (process.env.LOADGEN_DEBUG) note(`connecting ${clients.length}`)
    if (!(await Promise.race([synced, sleep(timeout).then(() => false)]))) {
      destroyAll(clients)
      fail(`clients did not sync within ${opts['connect-timeout']} s`)
    }
  }
  note(`${clients.length} clients synced`)
  return clients
}

function destroyAll (clients) {
  for (const client of clients) {
    try { client.provider.destroy() } catch { /* already closed */ }
    client.doc.destroy()
  }
}

// ---- measurement ----

class Recorder {
  constructor () {
    this.sentAt = [] // per writer: Float64 times, indexed by seq
    this.seenBy = [] // per writer: count of other clients that integrated seq
    this.acceptedBy = [] // per writer: edits integrated by at least one other client
    this.writerClient = [] // per writer: the client object that writes
    this.latencies = new Float64Array(1 << 16)
    this.n = 0
    this.windowStart = Infinity
    this.windowEnd = Infinity
    this.deliveredInWindow = 0
    this.acceptedInWindow = 0
    this.onAccept = null
    this.worstBySecond = [] // by the second of the load the edit was sent in: shows stalls
  }

  addWriter (client) {
    this.sentAt.push([])
    this.seenBy.push([])
    this.acceptedBy.push(0)
    this.writerClient.push(client)
    return this.sentAt.length - 1
  }

  received (writer, seq, now) {
    const sent = this.sentAt[writer]?.[seq]
    if (sent === undefined) return // not an edit of this run (e.g. recovered state)
    if (this.n === this.latencies.length) {
      const grown = new Float64Array(this.n * 2)
      grown.set(this.latencies)
      this.latencies = grown
    }
    this.latencies[this.n++] = now - sent
    const second = Math.floor((sent - this.windowStart) / 1000)
    if (second >= 0 && !(this.worstBySecond[second] >= now - sent)) this.worstBySecond[second] = now - sent
    const inWindow = now >= this.windowStart && now <= this.windowEnd
    if (inWindow) this.deliveredInWindow++
    const seen = (this.seenBy[writer][seq] ?? 0) + 1
    this.seenBy[writer][seq] = seen
    if (seen === 1) {
      this.acceptedBy[writer]++
      if (inWindow) this.acceptedInWindow++
      this.onAccept?.(writer)
    }
  }

  get sent () { return this.sentAt.reduce((sum, times) => sum + times.length, 0) }
  get accepted () { return this.acceptedBy.reduce((sum, n) => sum + n, 0) }

  percentiles () {
    const sorted = this.latencies.slice(0, this.n).sort()
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null)
    return { p50: at(0.5), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] : null }
  }
}

function watch (client, recorder) {
  client.text.observe((event) => {
    if (event.transaction.local) return
    const now = performance.now()
    for (const op of event.delta) {
      if (typeof op.insert !== 'string') continue
      for (const match of op.insert.matchAll(TOKEN)) recorder.received(Number(match[1]), Number(match[2]), now)
    }
  })
}

function edit (recorder, writer) {
  const client = recorder.writerClient[writer]
  const times = recorder.sentAt[writer]
  const seq = times.length
  const at = client.text.length
  times.push(performance.now())
  client.text.insert(at, `#${writer}.${seq};`)
  if (opts.cursor) client.provider.awareness.setLocalStateField('cursor', { anchor: at, head: at + 1 })
}

// Open loop at a fixed rate: the schedule does not wait for the server, so a slow server shows
// as latency, not as a lower offered load.
async function openLoop (recorder, writers, rate, durationMs) {
  const period = 1000 / rate
  const start = performance.now()
  const end = start + durationMs
  const next = writers.map((_, i) => start + (period * i) / writers.length)
  while (performance.now() < end) {
    const now = performance.now()
    let soonest = end
    for (let i = 0; i < writers.length; i++) {
      while (next[i] <= now && next[i] < end) {
        edit(recorder, writers[i])
        next[i] += period
      }
      soonest = Math.min(soonest, next[i])
    }
    await sleep(Math.max(0, soonest - performance.now()))
  }
}

// Closed loop: each writer keeps at most `inflight` edits that its peers have not integrated yet.
async function closedLoop (recorder, writers, inflight, durationMs) {
  const end = performance.now() + durationMs
  const pump = (writer) => {
    if (performance.now() >= end) return
    while (recorder.sentAt[writer].length - recorder.acceptedBy[writer] < inflight) {
      edit(recorder, writer)
    }
  }
  recorder.onAccept = (writer) => setImmediate(() => pump(writer))
  for (const writer of writers) pump(writer)
  await sleep(durationMs)
}

async function settle (recorder, expected, maxMs) {
  const until = performance.now() + maxMs
  while (recorder.n < expected && performance.now() < until) await sleep(50)
}

function convergence (clients) {
  const byDoc = new Map()
  for (const client of clients) {
    if (!byDoc.has(client.docName)) byDoc.set(client.docName, [])
    byDoc.get(client.docName).push(client)
  }
  let converged = 0
  for (const group of byDoc.values()) {
    const vectors = group.map((c) => Buffer.from(Y.encodeStateVector(c.doc)).toString('base64'))
    const texts = group.map((c) => c.text.toString())
    if (vectors.every((v) => v === vectors[0]) && texts.every((t) => t === texts[0])) converged++
  }
  return { converged, documents: byDoc.size }
}

// ---- scenarios ----

function docNames (count) {
  return Array.from({ length: count }, (_, i) => `${opts.prefix}-${String(i).padStart(3, '0')}`)
}

async function runLoad () {
  const names = docNames(scenario.docs)
  const clients = await connectAll(names, scenario.clients)
  const recorder = new Recorder()
  const writers = []
  for (const client of clients) {
    if (client.index < scenario.writers) writers.push(recorder.addWriter(client))
    watch(client, recorder)
  }
  await sleep(1000) // let the connection handshakes and first awareness rounds pass
  const receiversPerEdit = scenario.clients - 1
  const before = resources()
  let rssPeakKb = before.rssKb
  const sampler = setInterval(() => { rssPeakKb = Math.max(rssPeakKb, resources().rssKb) }, 250)
  recorder.windowStart = performance.now()
  const durationMs = scenario.duration * 1000
  let killed = null
  try {
    if (opts.scenario === 'D') {
      killed = await loadThenKill(recorder, writers, clients, durationMs)
    } else if (scenario.inflight) {
      await closedLoop(recorder, writers, scenario.inflight, durationMs)
    } else {
      await openLoop(recorder, writers, scenario.rate, durationMs)
    }
  } finally {
    recorder.windowEnd = performance.now()
  }
  note(`load done: ${recorder.sent} edits sent, ${recorder.n} deliveries`)
  const after = resources()
  const windowS = (recorder.windowEnd - recorder.windowStart) / 1000
  const result = {
    scenario: opts.scenario + (opts.cursor ? '+cursor' : ''),
    protocol: opts.protocol,
    documents: scenario.docs,
    clients: clients.length,
    writers: writers.length,
    window_s: windowS,
    sent: recorder.sent,
    server_cpu_pct: serverPids.length ? (100 * (after.ticks - before.ticks) / CLK_TCK) / ((after.at - before.at) / 1000) : null,
    server_rss_mb: serverPids.length ? Math.max(rssPeakKb, after.rssKb) / 1024 : null
  }
  if (killed) {
    clearInterval(sampler)
    Object.assign(result, killed, { delivered_eps: recorder.deliveredInWindow / windowS })
    return result
  }
  recorder.onAccept = null
  await settle(recorder, recorder.sent * receiversPerEdit, Number(opts.settle) * 1000)
  note(`settled: ${recorder.n} of ${recorder.sent * receiversPerEdit} deliveries`)
  clearInterval(sampler)
  result.server_rss_mb = serverPids.length ? rssPeakKb / 1024 : null
  Object.assign(result, {
    latency_ms: recorder.percentiles(),
    delivered: recorder.n,
    expected: recorder.sent * receiversPerEdit,
    delivered_pct: recorder.sent ? (100 * recorder.n) / (recorder.sent * receiversPerEdit) : null,
    delivered_eps: recorder.deliveredInWindow / windowS,
    accepted_eps: recorder.acceptedInWindow / windowS,
    accepted: recorder.accepted,
    // seconds of the load whose slowest fan-out passed 100 ms: [second, ms]
    slow_seconds: [...recorder.worstBySecond.entries()]
      .filter(([, ms]) => ms > 100).map(([s, ms]) => [s, Math.round(ms)]),
    ...convergence(clients)
  })
  destroyAll(clients)
  return result
}

async function loadThenKill (recorder, writers, clients, durationMs) {
  await openLoop(recorder, writers, scenario.rate, durationMs)
  // One synchronous block: note what peers saw, kill the servers, drop every client. No event
  // is processed in between, so no client integrates, reconnects or re-sends anything after.
  const seen = {}
  let seenCount = 0
  for (let w = 0; w < recorder.seenBy.length; w++) {
    const name = recorder.writerClient[w].docName
    seen[name] ??= []
    recorder.seenBy[w].forEach((count, seq) => {
      if (count) { seen[name].push(`${w}.${seq}`); seenCount++ }
    })
  }
  for (const pgid of opts['kill-pgid']) {
    try { process.kill(-Number(pgid), 'SIGKILL') } catch { /* already gone */ }
  }
  destroyAll(clients)
  for (const name of docNames(scenario.docs)) seen[name] ??= []
  if (opts['seen-file']) writeFileSync(opts['seen-file'], JSON.stringify({ seen, sent: recorder.sent }))
  return { seen: seenCount, delivered: recorder.n }
}

async function runCount () {
  if (!opts['seen-file']) fail('count needs --seen-file from a D run')
  const { seen, sent } = JSON.parse(readFileSync(opts['seen-file'], 'utf8'))
  const names = Object.keys(seen)
  const clients = await connectAll(names, 1)
  let kept = 0
  let keptSeen = 0
  let seenCount = 0
  for (const client of clients) {
    const ids = new Set([...client.text.toString().matchAll(TOKEN)].map((m) => `${m[1]}.${m[2]}`))
    kept += ids.size
    for (const id of seen[client.docName]) {
      seenCount++
      if (ids.has(id)) keptSeen++
    }
  }
  destroyAll(clients)
  return {
    scenario: 'D',
    protocol: opts.protocol,
    documents: names.length,
    sent,
    seen: seenCount,
    kept,
    kept_of_seen: keptSeen,
    kept_of_seen_pct: seenCount ? (100 * keptSeen) / seenCount : null
  }
}

const result = opts.scenario === 'count' ? await runCount() : await runLoad()
process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0))
