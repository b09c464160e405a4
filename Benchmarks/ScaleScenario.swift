import Foundation
import KubeJSON

/// Milestones of the scale-up as the pod watch sees them, shared between the watch thread and the main one.
private struct ScaleProgress: Sendable {
    var seen = 0
    var scheduled = 0
    var ready = 0
    var firstPod: UInt64?
    var allCreated: UInt64?
    var allScheduled: UInt64?
    var allReady: UInt64?
    var error: String?
    var finished = false
}

extension Bench {
    /// `scale`: one Deployment scaled from 0 to `--scale-replicas`, timed until the pod watch has seen every
    /// pod Running and Ready. With `--server-binary` a server with `--scale-nodes` nodes at `--time-scale`
    /// is started for it; otherwise the running server is used as it is configured.
    func runScale() {
        let replicas = options.scaleReplicas
        var row = ResultRow("scale (\(replicas) replicas)")
        row.unit = "run"
        var target = endpoint
        var targetProbe = probe
        var server: ServerProcess?
        defer {
            server?.stop()
            if let server, !options.keep { ServerProcess.removeDirectory(server.dataDirectory) }
        }
        if options.serverBinary != nil {
            let perNode = (replicas + options.scaleNodes - 1) / options.scaleNodes
            var extra = ["--nodes", String(options.scaleNodes), "--time-scale", String(options.timeScale)]
            if perNode > 110 { extra += ["--node-pods", String(perNode + 10)] }
            do {
                let started = try startServer(label: "scale", extra: extra)
                server = started
                try started.spawn()
                _ = try started.waitUntilReady()
                target = started.endpoint
                targetProbe = ServerProbe(pid: started.pid)
                row.notes.append("own server: \(options.scaleNodes) nodes, --time-scale \(Format.rate(options.timeScale))")
            } catch {
                row.status = .failed("\(error)")
                record(row)
                return
            }
        } else {
            row.notes.append("the running server's nodes and time scale")
        }

        let scaleNamespace = namespace + "-scale"
        let name = "bench-scale"
        let connection = HTTPConnection(target)
        let podsPath = "/api/v1/namespaces/\(scaleNamespace)/pods"
        let deploymentPath = "/apis/apps/v1/namespaces/\(scaleNamespace)/deployments"
        let selector = "labelSelector=" + Bench.percentEncode("app=\(name)")
        let startVersion: String
        do {
            try ensureNamespace(scaleNamespace, on: server == nil ? nil : target)
            let list = try connection.get("\(podsPath)?\(selector)&limit=1")
            guard list.status == 200, let version = Bench.resourceVersion(of: list.body) else {
                throw HTTPError("cannot list pods: \(Bench.describe(list))")
            }
            startVersion = version
            let deployment = Array(("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"\(name)\"},"
                + "\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"app\":\"\(name)\"}},\"template\":{\"metadata\":"
                + "{\"labels\":{\"app\":\"\(name)\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
                + "\"registry.k8s.io/pause:3.9\",\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}]}}}}").utf8)
            let created = try connection.request("POST", deploymentPath, body: deployment)
            if created.status == 404 {
                row.status = .notAvailable("the server does not serve apps/v1 Deployments")
                record(row)
                return
            }
            if let failure = Bench.check(created, 201...201) { throw HTTPError("create Deployment: \(failure)") }
        } catch {
            row.status = .failed("\(error)")
            record(row)
            return
        }

        let progress = Locked(ScaleProgress())
        let watchPath = "\(podsPath)?watch=true&\(selector)&resourceVersion=\(startVersion)"
        let watchTarget = target
        let streams = StreamRegistry()
        let watcher = startThreads(1) { _ in
            Bench.followPods(watchTarget, watchPath, replicas: replicas, progress, streams)
        }
        func stopWatcher() {
            progress.withLock { $0.finished = true }
            if !watcher.wait(seconds: 1) { streams.shutdownAll() }
            _ = watcher.join()
        }

        let before = targetProbe.start()
        let started = monotonicNanos()
        do {
            let body = Array("{\"spec\":{\"replicas\":\(replicas)}}".utf8)
            var response = try connection.request("PATCH", "\(deploymentPath)/\(name)/scale", body: body,
                                                   contentType: "application/merge-patch+json")
            if response.status == 404 || response.status == 405 {
                response = try connection.request("PATCH", "\(deploymentPath)/\(name)", body: body,
                                                  contentType: "application/merge-patch+json")
            }
            if let failure = Bench.check(response, 200...200) { throw HTTPError("scale: \(failure)") }
        } catch {
            stopWatcher()
            row.status = .failed("\(error)")
            record(row)
            return
        }

        let probeDeadline = started + UInt64(options.scaleProbe * 1e9)
        let deadline = started + UInt64(options.scaleTimeout * 1e9)
        var outcome = ScaleProgress()
        while true {
            sleepNanos(20_000_000)
            outcome = progress.current
            let now = monotonicNanos()
            if outcome.allReady != nil || outcome.error != nil { break }
            if outcome.seen == 0, now >= probeDeadline {
                row.status = .notAvailable("no pod was created within \(Format.rate(options.scaleProbe)) s: "
                    + "the simulation's controllers are not running")
                break
            }
            if now >= deadline {
                row.status = .failed("\(outcome.ready) of \(replicas) pods Running and Ready after "
                    + "\(Format.rate(options.scaleTimeout)) s")
                break
            }
        }
        stopWatcher()
        let (cpu, peak, rss) = targetProbe.finish(before, operations: replicas)
        row.serverPeakRSS = peak
        row.serverRSS = rss
        func since(_ time: UInt64?) -> Double? { time.map { Double($0 - min($0, started)) / 1e9 } }
        if let error = outcome.error, case .ok = row.status { row.status = .failed(error) }
        if let ready = since(outcome.allReady) {
            row.seconds = ready
            row.operations = replicas
            row.serverCPUPerOpNanos = cpu
            row.notes.append("CPU per pod")
        }
        for (label, time) in [("first pod", outcome.firstPod), ("all created", outcome.allCreated),
                              ("all scheduled", outcome.allScheduled), ("all Running+Ready", outcome.allReady)] {
            if let seconds = since(time) {
                row.notes.append("\(label) \(Format.duration(seconds * 1e9))")
                row.extra.append((key: label.replacingOccurrences(of: " ", with: "_"), value: .double(seconds)))
            }
        }
        row.extra += [(key: "podsSeen", value: .int(Int64(outcome.seen))),
                      (key: "podsReady", value: .int(Int64(outcome.ready)))]
        record(row)
        // Scale back so an external server is left as it was; the namespace goes at the end of the run.
        _ = try? connection.request("DELETE", "\(deploymentPath)/\(name)?propagationPolicy=Background")
    }

    /// Follows the pods of the Deployment until all are Running and Ready or the main thread gives up,
    /// reopening the watch from the last seen resourceVersion if the server ends it.
    private static func followPods(_ endpoint: Endpoint, _ path: String, replicas: Int,
                                   _ progress: Locked<ScaleProgress>, _ streams: StreamRegistry) {
        var scheduled = Set<String>()
        var ready = Set<String>()
        var seen = Set<String>()
        var watchPath = path
        var reopened = 0
        while !progress.current.finished {
            let connection = HTTPConnection(endpoint)
            do {
                try connection.connect()
            } catch {
                progress.withLock { $0.error = "pod watch failed: \(error)" }
                return
            }
            streams.register(connection)
            defer { streams.closeAndUnregister(connection) }
            do {
                if let refused = try connection.openStream(watchPath) {
                    progress.withLock { $0.error = "pod watch refused: \(describe(refused))" }
                    return
                }
            } catch {
                progress.withLock { $0.error = "pod watch failed: \(error)" }
                return
            }
            connection.receiveTimeout = 0.1
            var pending: [UInt8] = []
            var lastVersion: String?
            streaming: while true {
                do {
                    guard try connection.readStream(into: &pending) else { break streaming }
                } catch is HTTPConnection.ReceiveTimeout {
                    if progress.current.finished { return }
                    continue
                } catch {
                    break streaming
                }
                let now = monotonicNanos()
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeFirst(newline + 1)
                    guard let event = try? JSONParser.parse(line), let type = event["type"]?.stringValue else { continue }
                    if type == "ERROR" {
                        progress.withLock { $0.error = "pod watch: " + (event[path: "object", "message"]?.stringValue ?? "ERROR") }
                        return
                    }
                    guard let pod = event["object"], let name = pod[path: "metadata", "name"]?.stringValue else { continue }
                    lastVersion = pod[path: "metadata", "resourceVersion"]?.stringValue ?? lastVersion
                    if type == "DELETED" {
                        seen.remove(name); scheduled.remove(name); ready.remove(name)
                    } else {
                        seen.insert(name)
                        if pod[path: "spec", "nodeName"]?.stringValue?.isEmpty == false { scheduled.insert(name) }
                        if isRunningAndReady(pod) { ready.insert(name) } else { ready.remove(name) }
                    }
                }
                let done = progress.withLock { state -> Bool in
                    state.seen = seen.count
                    state.scheduled = scheduled.count
                    state.ready = ready.count
                    if state.firstPod == nil, !seen.isEmpty { state.firstPod = now }
                    if state.allCreated == nil, seen.count >= replicas { state.allCreated = now }
                    if state.allScheduled == nil, scheduled.count >= replicas { state.allScheduled = now }
                    if state.allReady == nil, ready.count >= replicas { state.allReady = now }
                    return state.allReady != nil || state.finished
                }
                if done { return }
            }
            reopened += 1
            guard reopened <= 5, let lastVersion else {
                progress.withLock { $0.error = "the pod watch ended" }
                return
            }
            watchPath = path.replacingOccurrences(of: #"resourceVersion=[0-9]+"#, with: "resourceVersion=\(lastVersion)",
                                                  options: .regularExpression)
        }
    }

    private static func isRunningAndReady(_ pod: JSON) -> Bool {
        guard pod[path: "status", "phase"]?.stringValue == "Running" else { return false }
        return (pod[path: "status", "conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }
}
