import Foundation
import KubeJSON

extension Bench {
    /// `ceiling`: the same client and connections against `/healthz`, which does no API work. Every other
    /// rate is read as a fraction of this one.
    func runCeiling() {
        let warmupCount = options.warmup / options.clients
        let outcome = runLoad(
            clients: options.clients, steps: Bench.share(options.operations, clients: options.clients),
            warmup: { connection in for _ in 0..<warmupCount { _ = try? connection.get("/healthz") } },
            operation: { _, _, connection, _ in Bench.check(try connection.get("/healthz"), 200...200) })
        var row = row("ceiling", outcome)
        if outcome.errors == 0, let rate = row.opsPerSecond { ceilingRate = rate }
        row.notes.append("GET /healthz")
        record(row)
    }

    /// Makes `count` ConfigMaps with `clients` clients; the fixture the later scenarios work on.
    @discardableResult
    func createConfigMaps(_ count: Int, scenario: String?) -> LoadOutcome {
        let clients = options.clients
        let (namespace, run, payload) = (self.namespace, runID, self.payload)
        let path = Bench.configMapsPath(namespace)
        let outcome = runLoad(clients: clients, steps: Bench.share(count, clients: clients)) { client, step, connection, state in
            let name = "cm-\(client + step * clients)"
            let response = try connection.request("POST", path, body: Bench.configMapBody(
                name: name, namespace: namespace, run: run, payload: payload))
            if let failure = Bench.check(response, 201...201) {
                state.append("")
                return failure
            }
            state.append(Bench.resourceVersion(of: response.body) ?? "")
            return nil
        }
        // Positions in the fixture are dealt out round-robin again later, so rebuild them in index order.
        var names: [String] = []
        var versions: [String] = []
        for index in 0..<count {
            let client = index % clients
            let step = index / clients
            guard step < outcome.states[client].count else { continue }
            let version = outcome.states[client][step]
            guard !version.isEmpty else { continue }
            names.append("cm-\(index)")
            versions.append(version)
        }
        fixtureNames += names
        fixtureVersions += versions
        if let scenario {
            var row = row(scenario, outcome)
            row.notes.append("\(Format.bytes(options.payloadBytes)) ConfigMaps")
            record(row)
        }
        return outcome
    }

    /// The scenarios after `create` need its ConfigMaps; if it was not run (or `delete` emptied the fixture),
    /// they are made here, untimed.
    func ensureFixture() {
        guard fixtureNames.isEmpty else { return }
        log("  (creating \(options.operations) ConfigMaps for the scenario)")
        createConfigMaps(options.operations, scenario: nil)
    }

    /// Client `client` owns fixture positions client, client + C, ...: no two clients touch one object, so
    /// resourceVersion preconditions never conflict between them.
    private func owned(_ client: Int) -> [Int] {
        Array(stride(from: client, to: fixtureNames.count, by: options.clients))
    }

    private func fixtureSnapshot() -> (names: [String], versions: [String]) { (fixtureNames, fixtureVersions) }

    private func storeVersions(_ states: [[String]]) {
        for (client, versions) in states.enumerated() {
            for (slot, position) in owned(client).enumerated() where slot < versions.count {
                fixtureVersions[position] = versions[slot]
            }
        }
    }

    func runGet() {
        ensureFixture()
        let (names, _) = fixtureSnapshot()
        let clients = options.clients
        let path = Bench.configMapsPath(namespace)
        let warmupCount = options.warmup / clients
        let outcome = runLoad(
            clients: clients, steps: Bench.share(options.operations, clients: clients),
            warmup: { connection in
                for step in 0..<warmupCount { _ = try? connection.get("\(path)/\(names[step % names.count])") }
            },
            operation: { client, step, connection, _ in
                let owned = (names.count - client + clients - 1) / clients
                guard owned > 0 else { return "no object to get" }
                let position = client + (step % owned) * clients
                return Bench.check(try connection.get("\(path)/\(names[position])"), 200...200)
            })
        record(row("get", outcome))
    }

    /// `update`: PUT of the whole object carrying the resourceVersion last seen, which the server must check.
    func runUpdate() {
        ensureFixture()
        let (names, versions) = fixtureSnapshot()
        let clients = options.clients
        let (namespace, run, payload) = (self.namespace, runID, self.payload)
        let path = Bench.configMapsPath(namespace)
        let outcome = runLoad(
            clients: clients, steps: Bench.share(options.operations, clients: clients),
            state: { client in Array(stride(from: client, to: versions.count, by: clients).map { versions[$0] }) },
            operation: { client, step, connection, state in
                guard !state.isEmpty else { return "no object to update" }
                let slot = step % state.count
                let name = names[client + slot * clients]
                // A different payload each time, so every update is a real change.
                let changed = String(step, radix: 36) + payload.dropFirst(String(step, radix: 36).count)
                let response = try connection.request("PUT", "\(path)/\(name)", body: Bench.configMapBody(
                    name: name, namespace: namespace, run: run, payload: changed, resourceVersion: state[slot]))
                if let failure = Bench.check(response, 200...200) { return failure }
                state[slot] = Bench.resourceVersion(of: response.body) ?? state[slot]
                return nil
            })
        storeVersions(outcome.states)
        var row = row("update", outcome)
        row.notes.append("PUT with resourceVersion")
        // The precondition must really be checked: the version before this scenario is stale now.
        if let name = names.first, let stale = versions.first, fixtureVersions.first != stale {
            let connection = HTTPConnection(endpoint)
            let response = try? connection.request("PUT", "\(path)/\(name)", body: Bench.configMapBody(
                name: name, namespace: namespace, run: run, payload: payload, resourceVersion: stale))
            if response?.status == 409 {
                row.notes.append("stale resourceVersion refused with 409")
                row.extra.append((key: "staleUpdateRefused", value: true))
            } else {
                row.errors += 1
                row.notes.append("stale resourceVersion NOT refused: \(response.map(Bench.describe) ?? "no answer")")
                row.extra.append((key: "staleUpdateRefused", value: false))
            }
        }
        record(row)
    }

    func runPatch() {
        ensureFixture()
        for (label, contentType) in [("merge", "application/merge-patch+json"),
                                     ("strategic", "application/strategic-merge-patch+json")] {
            let (names, versions) = fixtureSnapshot()
            let clients = options.clients
            let path = Bench.configMapsPath(namespace)
            let outcome = runLoad(
                clients: clients, steps: Bench.share(options.operations, clients: clients),
                state: { client in Array(stride(from: client, to: versions.count, by: clients).map { versions[$0] }) },
                operation: { client, step, connection, state in
                    guard !state.isEmpty else { return "no object to patch" }
                    let slot = step % state.count
                    let name = names[client + slot * clients]
                    let body = Array("{\"data\":{\"patched\":\"\(label)-\(step)\"}}".utf8)
                    let response = try connection.request("PATCH", "\(path)/\(name)", body: body,
                                                          contentType: contentType)
                    if let failure = Bench.check(response, 200...200) { return failure }
                    state[slot] = Bench.resourceVersion(of: response.body) ?? state[slot]
                    return nil
                })
            storeVersions(outcome.states)
            var row = row("patch (\(label))", outcome)
            row.notes.append(contentType)
            record(row)
        }
    }

    /// `delete`: every ConfigMap of the fixture once.
    func runDelete() {
        ensureFixture()
        let (names, _) = fixtureSnapshot()
        let clients = options.clients
        let path = Bench.configMapsPath(namespace)
        let outcome = runLoad(
            clients: clients, steps: { client in (names.count - client + clients - 1) / clients },
            operation: { client, step, connection, _ in
                Bench.check(try connection.request("DELETE", "\(path)/\(names[client + step * clients])"), 200...202)
            })
        fixtureNames = []
        fixtureVersions = []
        record(row("delete", outcome))
    }

    // MARK: list

    /// `list`: `--list-objects` objects in a namespace of their own, listed whole and in pages of
    /// `--page-size`, `--list-repeats` times each, one request at a time.
    func runList() {
        let kind = options.listKind
        let listNamespace = namespace + "-list"
        let total = options.listObjects
        do { try ensureNamespace(listNamespace) } catch {
            var row = ResultRow("list")
            row.status = .failed("\(error)")
            record(row)
            return
        }
        let path = "/api/v1/namespaces/\(listNamespace)/\(kind)"
        let (run, payload, clients) = (runID, self.payload, options.clients)
        log("  (creating \(total) \(kind) to list)")
        let setup = runLoad(clients: clients, steps: Bench.share(total, clients: clients)) { client, step, connection, _ in
            let name = "\(kind == "pods" ? "pod" : "cm")-\(client + step * clients)"
            let body = kind == "pods"
                ? Bench.podBody(name: name, namespace: listNamespace, run: run)
                : Bench.configMapBody(name: name, namespace: listNamespace, run: run, payload: payload)
            return Bench.check(try connection.request("POST", path, body: body), 201...201)
        }
        let setupRate = setup.seconds > 0 ? Double(setup.operations) / setup.seconds : 0
        let stored = total - setup.errors
        let connection = HTTPConnection(endpoint)

        // Whole list.
        var full = ResultRow("list (full, \(stored) \(kind))")
        full.unit = "list"
        var samples: [UInt64] = []
        var before = probe.start()
        var clientBefore = clientCPUNanos()
        var started = monotonicNanos()
        for repeatIndex in 0..<options.listRepeats {
            let t0 = monotonicNanos()
            do {
                let response = try connection.get(path)
                samples.append(monotonicNanos() - t0)
                if let failure = Bench.check(response, 200...200) {
                    full.errors += 1
                    full.firstError = full.firstError ?? failure
                    continue
                }
                full.bytes = response.body.count
                if repeatIndex == 0 {
                    let items = (try? JSONParser.parse(response.body))?["items"]?.arrayValue?.count ?? -1
                    if items != stored {
                        full.errors += 1
                        full.firstError = "the list held \(items) items, \(stored) were created"
                    }
                }
            } catch {
                full.errors += 1
                full.firstError = full.firstError ?? "\(error)"
            }
        }
        full.operations = options.listRepeats
        full.seconds = Double(monotonicNanos() - started) / 1e9
        full.latency = LatencySummary(samples)
        (full.serverCPUPerOpNanos, full.serverPeakRSS, full.serverRSS) = probe.finish(before, operations: full.operations)
        full.clientCPUPerOpNanos = Double(clientCPUNanos() - clientBefore) / Double(full.operations)
        full.notes.append("setup \(setup.operations) creates at \(Format.rate(setupRate))/s"
            + (setup.errors > 0 ? " (\(setup.errors) failed: \(setup.firstError ?? ""))" : ""))
        if let bytes = full.bytes, let rss = full.serverRSS {
            // The memory target: resident set within twice the JSON of what is stored, plus 64 MiB.
            let budget = 2 * bytes + 64 * 1024 * 1024
            full.notes.append("server RSS \(Format.bytes(rss)), budget 2×JSON+64MiB = \(Format.bytes(budget))")
            full.extra.append((key: "memoryBudgetBytes", value: .int(Int64(budget))))
        }
        record(full)

        // Pages of --page-size, following continue tokens.
        var paged = ResultRow("list (limit=\(options.pageSize))")
        paged.unit = "page"
        var pageSamples: [UInt64] = []
        var traversals: [UInt64] = []
        var pagesPerTraversal = 0
        var bytesPerTraversal = 0
        before = probe.start()
        clientBefore = clientCPUNanos()
        started = monotonicNanos()
        for _ in 0..<options.listRepeats {
            var token: String?
            var pages = 0
            var bytes = 0
            var items = 0
            var traversal: UInt64 = 0
            repeat {
                var pagePath = "\(path)?limit=\(options.pageSize)"
                if let token { pagePath += "&continue=" + Bench.percentEncode(token) }
                let t0 = monotonicNanos()
                guard let response = try? connection.get(pagePath) else {
                    paged.errors += 1
                    paged.firstError = paged.firstError ?? "request failed"
                    break
                }
                let elapsed = monotonicNanos() - t0
                pageSamples.append(elapsed)
                traversal += elapsed
                pages += 1
                bytes += response.body.count
                if let failure = Bench.check(response, 200...200) {
                    paged.errors += 1
                    paged.firstError = paged.firstError ?? failure
                    break
                }
                let page = try? JSONParser.parse(response.body)
                items += page?["items"]?.arrayValue?.count ?? 0
                token = page?[path: "metadata", "continue"]?.stringValue
                if token?.isEmpty == true { token = nil }
            } while token != nil && pages < total + 1
            if items != stored, paged.firstError == nil {
                paged.errors += 1
                paged.firstError = "the pages held \(items) items, \(stored) were created"
            }
            traversals.append(traversal)
            pagesPerTraversal = pages
            bytesPerTraversal = bytes
        }
        paged.operations = pageSamples.count
        paged.seconds = Double(monotonicNanos() - started) / 1e9
        paged.latency = LatencySummary(pageSamples)
        paged.bytes = bytesPerTraversal
        (paged.serverCPUPerOpNanos, paged.serverPeakRSS, paged.serverRSS) = probe.finish(before, operations: paged.operations)
        paged.clientCPUPerOpNanos = Double(clientCPUNanos() - clientBefore) / Double(max(1, paged.operations))
        if let whole = LatencySummary(traversals) {
            paged.notes.append("\(pagesPerTraversal) pages per traversal, traversal p50 \(Format.duration(Double(whole.p50)))")
            paged.extra.append((key: "traversalP50Micros", value: .double(Double(whole.p50) / 1e3)))
            paged.extra.append((key: "pagesPerTraversal", value: .int(Int64(pagesPerTraversal))))
        }
        record(paged)
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
