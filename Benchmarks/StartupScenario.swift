import Foundation
import KubeJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Bench {
    func startServer(label: String, extra: [String] = [], dataDirectory: String? = nil) throws -> ServerProcess {
        guard let binary = options.serverBinary else { throw HTTPError("needs --server-binary") }
        let directory = try dataDirectory ?? ServerProcess.makeTemporaryDirectory(label)
        return ServerProcess(binary: binary, template: options.serverArguments,
                             extra: options.extraServerArguments + extra,
                             port: try ServerProcess.freePort(), dataDirectory: directory)
    }

    /// `startup`: exec to `/readyz` 200 with an empty data directory, then with `--startup-objects` stored
    /// objects after a clean SIGTERM, then after kill -9 in the middle of writes, checking that no
    /// acknowledged write was lost.
    func runStartup() {
        runEmptyStartup()
        runStoredStartup()
    }

    private func runEmptyStartup() {
        var row = ResultRow("startup (empty)")
        row.unit = "run"
        var samples: [UInt64] = []
        for _ in 0..<options.startupRepeats {
            do {
                let server = try startServer(label: "empty")
                defer {
                    server.stop()
                    if !options.keep { ServerProcess.removeDirectory(server.dataDirectory) }
                }
                let started = try server.spawn()
                let ready = try server.waitUntilReady()
                samples.append(ready - started)
                if let sample = ProcStats.sample(pid: server.pid) {
                    row.serverRSS = sample.rssBytes
                    row.serverPeakRSS = sample.peakRSSBytes
                }
            } catch {
                row.errors += 1
                row.firstError = row.firstError ?? "\(error)"
            }
        }
        row.operations = options.startupRepeats
        row.latency = LatencySummary(samples)
        if samples.isEmpty { row.status = .failed(row.firstError ?? "no start succeeded") }
        row.notes.append("exec to /readyz 200, fresh data dir each run")
        if let rss = row.serverRSS { row.notes.append("RSS when ready \(Format.bytes(rss))") }
        record(row)
    }

    private func runStoredStartup() {
        let count = options.startupObjects
        var stored = ResultRow("startup (\(count) objects)")
        stored.unit = "run"
        var killed = ResultRow("restart after kill -9")
        killed.unit = "run"
        let server: ServerProcess
        do {
            server = try startServer(label: "stored")
        } catch {
            stored.status = .failed("\(error)")
            record(stored)
            return
        }
        defer {
            server.stop()
            if !options.keep { ServerProcess.removeDirectory(server.dataDirectory) }
        }
        let storeNamespace = namespace + "-startup"
        do {
            try server.spawn()
            _ = try server.waitUntilReady()
            try ensureNamespace(storeNamespace, on: server.endpoint)
            log("  (storing \(count) ConfigMaps in a server started for startup)")
            let path = Bench.configMapsPath(storeNamespace)
            let (run, payload, clients) = (runID, self.payload, options.clients)
            let setup = runLoad(clients: clients, on: server.endpoint, steps: Bench.share(count, clients: clients)) {
                client, step, connection, _ in
                let name = "s-\(client + step * clients)"
                return Bench.check(try connection.request("POST", path, body: Bench.configMapBody(
                    name: name, namespace: storeNamespace, run: run, payload: payload)), 201...201)
            }
            let rate = setup.seconds > 0 ? Double(setup.operations) / setup.seconds : 0
            stored.notes.append("stored at \(Format.rate(rate))/s" + (setup.errors > 0 ? ", \(setup.errors) failed" : ""))
            let expected = count - setup.errors
            if let sample = ProcStats.sample(pid: server.pid) {
                stored.notes.append("RSS before restart \(Format.bytes(sample.rssBytes))")
            }
            let stopStarted = monotonicNanos()
            let how = server.stop()
            stored.notes.append("SIGTERM to exit \(Format.duration(Double(monotonicNanos() - stopStarted))) (\(how))")

            var samples: [UInt64] = []
            for attempt in 0..<options.startupRepeats {
                let started = try server.spawn()
                let ready = try server.waitUntilReady()
                samples.append(ready - started)
                if let sample = ProcStats.sample(pid: server.pid) {
                    stored.serverRSS = sample.rssBytes
                    stored.serverPeakRSS = sample.peakRSSBytes
                }
                if attempt == 0 {
                    // The simulated cluster publishes kube-root-ca.crt in every namespace; it is not ours to count.
                    let found = try Bench.listNames(server.endpoint, path, pageSize: options.pageSize)
                        .filter { $0 != "kube-root-ca.crt" }.count
                    if found != expected {
                        stored.errors += 1
                        stored.firstError = "\(found) objects after the restart, \(expected) were stored"
                    } else {
                        stored.notes.append("all \(found) objects back")
                    }
                }
                if attempt < options.startupRepeats - 1 { server.stop() }
            }
            stored.operations = samples.count
            stored.latency = LatencySummary(samples)
            if let rss = stored.serverRSS { stored.notes.append("RSS when ready \(Format.bytes(rss))") }
        } catch {
            stored.status = .failed("\(error)")
            record(stored)
            return
        }
        record(stored)
        runKillRestart(server, &killed)
        record(killed)
    }

    /// Writers create ConfigMaps flat out; after `--kill-after` seconds the server gets SIGKILL. After the
    /// restart every acknowledged create must be there: that is what acknowledging means.
    private func runKillRestart(_ server: ServerProcess, _ row: inout ResultRow) {
        let killNamespace = namespace + "-kill"
        do {
            try ensureNamespace(killNamespace, on: server.endpoint)
        } catch {
            row.status = .failed("\(error)")
            return
        }
        let path = Bench.configMapsPath(killNamespace)
        let (endpoint, run, payload, clients) = (server.endpoint, runID, self.payload, options.clients)
        let writers = startThreads(clients) { client -> [String] in
            let connection = HTTPConnection(endpoint)
            var acknowledged: [String] = []
            var step = 0
            while true {
                let name = "k-\(client)-\(step)"
                step += 1
                guard let response = try? connection.request("POST", path, body: Bench.configMapBody(
                    name: name, namespace: killNamespace, run: run, payload: payload)) else { break }
                if response.status == 201 { acknowledged.append(name) } else { break }
            }
            return acknowledged
        }
        sleepNanos(UInt64(options.killAfter * 1e9))
        server.stop(signal: SIGKILL)
        let acknowledged = writers.join().flatMap { $0 }
        do {
            let started = try server.spawn()
            let ready = try server.waitUntilReady()
            row.operations = 1
            row.latency = LatencySummary([ready - started])
            row.seconds = Double(ready - started) / 1e9
            let present = try Bench.listNames(server.endpoint, path, pageSize: options.pageSize)
            let lost = acknowledged.filter { !present.contains($0) }.count
            row.errors = lost
            row.notes.append("\(acknowledged.count) creates acknowledged before the kill, \(lost) lost")
            row.extra += [(key: "acknowledgedBeforeKill", value: .int(Int64(acknowledged.count))),
                          (key: "lostAcknowledged", value: .int(Int64(lost)))]
            if lost > 0 { row.firstError = "\(lost) acknowledged creates were lost" }
            if acknowledged.isEmpty { row.notes.append("no create was acknowledged: raise --kill-after") }
        } catch {
            row.status = .failed("\(error)")
        }
    }

    /// Every object name under `path`, read in pages.
    static func listNames(_ endpoint: Endpoint, _ path: String, pageSize: Int) throws -> Set<String> {
        let connection = HTTPConnection(endpoint)
        var names = Set<String>()
        var token: String?
        repeat {
            var pagePath = "\(path)?limit=\(pageSize)"
            if let token { pagePath += "&continue=" + percentEncode(token) }
            let response = try connection.get(pagePath)
            guard response.status == 200 else { throw HTTPError("list: \(describe(response))") }
            let page = try JSONParser.parse(response.body)
            for item in page["items"]?.arrayValue ?? [] {
                if let name = item[path: "metadata", "name"]?.stringValue { names.insert(name) }
            }
            token = page[path: "metadata", "continue"]?.stringValue
            if token?.isEmpty == true { token = nil }
        } while token != nil
        return names
    }
}
