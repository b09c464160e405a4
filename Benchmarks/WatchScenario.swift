import Foundation
import KubeJSON

/// What one watcher saw: when each expected object's ADDED event arrived, and how often.
private struct WatcherOutcome: Sendable {
    var arrivals: [UInt64]
    var counts: [UInt32]
    var unexpected = 0
    var sawSentinel = false
    var error: String?
}

extension Bench {
    /// `watch`: W watchers, each on its own connection from one resourceVersion, while one more connection
    /// creates ConfigMaps at a fixed rate. Latency runs from the moment the create was acknowledged to the
    /// moment each watcher read the event; every event must reach every watcher exactly once.
    func runWatch() {
        let watchNamespace = namespace + "-watch"
        let watchers = options.watchers
        let total = options.watchEvents
        let label = "watch (\(watchers) watchers, \(Format.rate(options.watchRate))/s)"
        var row = ResultRow(label)
        row.unit = "event"
        let path = Bench.configMapsPath(watchNamespace)
        let creator = HTTPConnection(endpoint)
        let startVersion: String
        do {
            try ensureNamespace(watchNamespace)
            let list = try creator.get(path + "?limit=1")
            guard list.status == 200, let version = Bench.resourceVersion(of: list.body) else {
                throw HTTPError("cannot read the list resourceVersion: \(Bench.describe(list))")
            }
            startVersion = version
        } catch {
            row.status = .failed("\(error)")
            record(row)
            return
        }

        let endpoint = self.endpoint
        let connected = Locked(0)
        // Set once the sentinel is sent: watchers that never see it give up at this time.
        let stopAt = Locked(UInt64.max)
        let streams = StreamRegistry()
        let sentinel = "w-end"
        let group = startThreads(watchers, stackSize: 256 * 1024) { _ -> WatcherOutcome in
            var outcome = WatcherOutcome(arrivals: [UInt64](repeating: 0, count: total),
                                         counts: [UInt32](repeating: 0, count: total))
            let connection = HTTPConnection(endpoint)
            do {
                try connection.connect()
            } catch {
                outcome.error = "watch failed: \(error)"
                connected.withLock { $0 += 1 }
                return outcome
            }
            // Registered once connected: from here on only this thread changes the descriptor.
            streams.register(connection)
            defer { streams.closeAndUnregister(connection) }
            do {
                if let refused = try connection.openStream("\(path)?watch=true&resourceVersion=\(startVersion)") {
                    outcome.error = "watch refused: \(Bench.describe(refused))"
                    connected.withLock { $0 += 1 }
                    return outcome
                }
            } catch {
                outcome.error = "watch failed: \(error)"
                connected.withLock { $0 += 1 }
                return outcome
            }
            connected.withLock { $0 += 1 }
            connection.receiveTimeout = 0.2
            var pending: [UInt8] = []
            pending.reserveCapacity(64 * 1024)
            var scanned = 0
            reading: while true {
                do {
                    guard try connection.readStream(into: &pending) else {
                        outcome.error = "the server ended the watch"
                        break
                    }
                } catch is HTTPConnection.ReceiveTimeout {
                    if monotonicNanos() >= stopAt.current { break }
                    continue
                } catch {
                    outcome.error = "watch read failed: \(error)"
                    break
                }
                // One timestamp for everything this read delivered: the moment the client had it.
                let now = monotonicNanos()
                var lineStart = 0
                var i = scanned
                while i < pending.count {
                    if pending[i] == 0x0A {
                        if i > lineStart {
                            let done = Bench.handleWatchLine(pending, lineStart..<i, at: now, sentinel: sentinel,
                                                             into: &outcome)
                            if done || outcome.error != nil { break reading }
                        }
                        lineStart = i + 1
                    }
                    i += 1
                }
                if lineStart > 0 { pending.removeFirst(lineStart) }
                scanned = pending.count
            }
            return outcome
        }

        // Watches start at a fixed resourceVersion, so none can miss an event; waiting for them to connect
        // keeps the set-up of the streams out of the first latencies.
        let connectDeadline = monotonicNanos() + 10_000_000_000
        while connected.current < watchers, monotonicNanos() < connectDeadline { sleepNanos(1_000_000) }
        if connected.current < watchers {
            row.notes.append("only \(connected.current) of \(watchers) watches had started after 10 s")
        }

        var acknowledged = [UInt64](repeating: 0, count: total)
        var sentAt = [UInt64](repeating: 0, count: total)
        var createSamples: [UInt64] = []
        createSamples.reserveCapacity(total)
        var createErrors = 0
        let interval = 1e9 / options.watchRate
        let before = probe.start()
        let clientBefore = clientCPUNanos()
        let started = monotonicNanos()
        for index in 0..<total {
            let due = started + UInt64(Double(index) * interval)
            let now = monotonicNanos()
            if now < due { sleepNanos(due - now) }
            let sent = monotonicNanos()
            sentAt[index] = sent
            let body = Bench.configMapBody(name: "w-\(index)", namespace: watchNamespace, run: runID, payload: "x")
            let response = try? creator.request("POST", path, body: body)
            let done = monotonicNanos()
            createSamples.append(done - sent)
            if response?.status == 201 {
                acknowledged[index] = done
            } else {
                createErrors += 1
                if row.firstError == nil { row.firstError = response.map(Bench.describe) ?? "create failed" }
            }
        }
        let createSeconds = Double(monotonicNanos() - started) / 1e9
        _ = try? creator.request("POST", path, body: Bench.configMapBody(
            name: sentinel, namespace: watchNamespace, run: runID, payload: "x"))
        let grace = UInt64(options.watchGrace * 1e9)
        stopAt.withLock { $0 = monotonicNanos() + grace }
        if !group.wait(seconds: options.watchGrace + 1) {
            streams.shutdownAll()
            row.notes.append("some watchers were stuck in a read and were cut off")
        }
        let outcomes = group.join()
        let (cpu, peak, rss) = probe.finish(before, operations: total)
        let clientUsed = clientCPUNanos() - clientBefore

        var latencies: [UInt64] = []
        latencies.reserveCapacity(total * watchers)
        // The server may write the event before the response, so from the request's send too: that figure
        // is never negative and holds the whole write path.
        var fromSend: [UInt64] = []
        fromSend.reserveCapacity(total * watchers)
        var missing = 0
        var duplicates = 0
        var unexpected = 0
        var early = 0
        var watcherErrors = 0
        for outcome in outcomes {
            unexpected += outcome.unexpected
            if let error = outcome.error {
                watcherErrors += 1
                if row.firstError == nil { row.firstError = error }
            }
            for index in 0..<total {
                let count = outcome.counts[index]
                if acknowledged[index] == 0 {
                    if count > 0 { unexpected += Int(count) }  // its create was not acknowledged
                    continue
                }
                if count == 0 { missing += 1; continue }
                if count > 1 { duplicates += Int(count) - 1 }
                let arrival = outcome.arrivals[index]
                fromSend.append(arrival >= sentAt[index] ? arrival - sentAt[index] : 0)
                if arrival < acknowledged[index] { early += 1; latencies.append(0) }
                else { latencies.append(arrival - acknowledged[index]) }
            }
        }
        row.operations = total
        row.errors = createErrors + missing + duplicates + unexpected + watcherErrors
        row.seconds = createSeconds
        row.opsPerSecond = createSeconds > 0 ? Double(total) / createSeconds : nil
        row.latency = LatencySummary(latencies)
        row.serverCPUPerOpNanos = cpu
        row.clientCPUPerOpNanos = Double(clientUsed) / Double(max(1, total))
        row.serverPeakRSS = peak
        row.serverRSS = rss
        let achieved = row.opsPerSecond ?? 0
        row.notes.append("created at \(Format.rate(achieved))/s of \(Format.rate(options.watchRate))/s asked")
        row.notes.append("missing \(missing), duplicate \(duplicates), unexpected \(unexpected)")
        if early > 0 { row.notes.append("\(early) events read before their create was acknowledged (counted as 0)") }
        if let send = LatencySummary(fromSend) {
            row.notes.append("from the create's send: p50 \(Format.duration(Double(send.p50))) p99 "
                + "\(Format.duration(Double(send.p99))) max \(Format.duration(Double(send.max)))")
            row.extra.append((key: "sendToEventLatency", value: .object([
                "p50Micros": .double(Double(send.p50) / 1e3), "p99Micros": .double(Double(send.p99) / 1e3),
                "maxMicros": .double(Double(send.max) / 1e3),
            ])))
        }
        row.notes.append("CPU per create, fan-out to \(watchers) included")
        if let create = LatencySummary(createSamples) {
            row.extra.append((key: "createLatency", value: .object([
                "p50Micros": .double(Double(create.p50) / 1e3), "p99Micros": .double(Double(create.p99) / 1e3),
            ])))
        }
        row.extra += [(key: "watchers", value: .int(Int64(watchers))),
                      (key: "eventsDelivered", value: .int(Int64(latencies.count))),
                      (key: "missing", value: .int(Int64(missing))),
                      (key: "duplicates", value: .int(Int64(duplicates))),
                      (key: "unexpected", value: .int(Int64(unexpected))),
                      (key: "eventsBeforeAcknowledgement", value: .int(Int64(early))),
                      (key: "watcherErrors", value: .int(Int64(watcherErrors))),
                      (key: "createErrors", value: .int(Int64(createErrors))),
                      (key: "achievedCreateRate", value: .double(achieved))]
        record(row)
    }

    /// Reads one watch event line; true once the sentinel arrived. The type and name are found by scanning
    /// bytes, with a full parse only when that fails: parsing 100,000 events a second would make the
    /// watchers compete with the server for the same two cores.
    fileprivate static func handleWatchLine(_ bytes: [UInt8], _ range: Range<Int>, at now: UInt64, sentinel: String,
                                            into outcome: inout WatcherOutcome) -> Bool {
        var type: String?
        var name: String?
        bytes.withUnsafeBufferPointer { buffer in
            let line = UnsafeBufferPointer(rebasing: buffer[range])
            type = scanString("\"type\":\"", in: line)
            name = scanString("\"name\":\"", in: line)
        }
        if type == nil || (type != "ERROR" && name == nil) {
            let event = try? JSONParser.parse(Array(bytes[range]))
            type = event?["type"]?.stringValue
            name = event?[path: "object", "metadata", "name"]?.stringValue
        }
        switch type {
        case "ADDED":
            guard let name else { outcome.unexpected += 1; return false }
            if name == sentinel { outcome.sawSentinel = true; return true }
            if name.hasPrefix("w-"), let index = Int(name.dropFirst(2)), index >= 0, index < outcome.counts.count {
                outcome.counts[index] += 1
                if outcome.arrivals[index] == 0 { outcome.arrivals[index] = now }
            } else {
                outcome.unexpected += 1
            }
        case "BOOKMARK":
            break
        case "ERROR":
            let status = try? JSONParser.parse(Array(bytes[range]))
            outcome.error = "ERROR event: " + (status?[path: "object", "message"]?.stringValue ?? "no message")
        default:
            outcome.unexpected += 1
        }
        return false
    }
}
