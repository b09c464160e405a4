import KubeAPI

/// The line texts of `PodLogs`, per image family: start-up lines, lines at a steady rhythm while the
/// container runs, and the lines of its end (graceful stop, crash, or a finished job).
enum PodLogBody {
    typealias Line = (timestamp: Double, text: String)

    static func lines(_ c: PodLogContext, start: Double, end: Double, exit: (code: Int, reason: String)?, maxLines: Int) -> [Line] {
        var out: [Line] = []
        let opening = startup(c)
        for (offset, text) in opening where start + offset <= end {
            out.append((start + offset, text(start + offset)))
        }
        let warm = (opening.last?.offset ?? 0) + 0.5
        let period = self.period(c)
        if period > 0, end > start + warm {
            let last = Int((end - start - warm) / period)
            // Only the tail is kept, so skip straight to the slots that survive.
            let first = max(0, last - maxLines)
            if first <= last {
                for slot in first...last {
                    let t = start + warm + (Double(slot) + c.unit("slot/\(slot)") * 0.9) * period
                    guard t <= end else { continue }
                    for text in periodic(c, slot: slot, at: t) { out.append((t, text)) }
                }
            }
        }
        if let exit, exit.reason != "OOMKilled" {
            let closing = ending(c, code: exit.code)
            let base = max(start, end - 0.01 * Double(closing.count))
            for (i, text) in closing.enumerated() {
                let t = base + 0.01 * Double(i)
                out.append((t, text(t)))
            }
        }
        return out
    }

    // MARK: - Time formats

    private static func parts(_ t: Double) -> (y: String, mo: String, d: String, time: String, millis: String) {
        let s = Array(Timestamp.rfc3339Micro(t))
        func slice(_ r: Range<Int>) -> String { String(s[r]) }
        return (slice(0..<4), slice(5..<7), slice(8..<10), slice(11..<19), slice(20..<23))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func month(_ mo: String) -> String { months[max(0, min(11, (Int(mo) ?? 1) - 1))] }

    /// 2024/07/10 12:00:00 (nginx error log)
    static func nginxTime(_ t: Double) -> String { let p = parts(t); return "\(p.y)/\(p.mo)/\(p.d) \(p.time)" }
    /// 10/Jul/2024:12:00:05 +0000 (nginx access log)
    static func accessTime(_ t: Double) -> String { let p = parts(t); return "\(p.d)/\(month(p.mo))/\(p.y):\(p.time) +0000" }
    /// 10 Jul 2024 12:00:00.123 (redis)
    static func redisTime(_ t: Double) -> String { let p = parts(t); return "\(p.d) \(month(p.mo)) \(p.y) \(p.time).\(p.millis)" }
    /// 2024-07-10 12:00:00.123 UTC (postgres)
    static func postgresTime(_ t: Double) -> String { let p = parts(t); return "\(p.y)-\(p.mo)-\(p.d) \(p.time).\(p.millis) UTC" }
    /// 2024-07-10T12:00:00.123Z
    static func isoTime(_ t: Double) -> String { let p = parts(t); return "\(p.y)-\(p.mo)-\(p.d)T\(p.time).\(p.millis)Z" }
    /// 07-10 12:00:00 (vLLM)
    static func shortTime(_ t: Double) -> String { let p = parts(t); return "\(p.mo)-\(p.d) \(p.time)" }

    // MARK: - Start-up

    private typealias Stamped = (offset: Double, text: (Double) -> String)

    private static func fixed(_ texts: [String], step: Double = 0.002, from: Double = 0) -> [Stamped] {
        texts.enumerated().map { i, text in (from + Double(i) * step, { _ in text }) }
    }

    private static func startup(_ c: PodLogContext) -> [Stamped] {
        if c.job { return [(0.05, { "\(isoTime($0)) INFO starting job" })] }
        switch c.family {
        case .nginx:
            let version = nginxVersion(c)
            let script = fixed([
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
                "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
                "/docker-entrypoint.sh: Configuration complete; ready for start up",
            ])
            var notices = ["using the \"epoll\" event method", "nginx/\(version)", "built by gcc 12.2.0 (Debian 12.2.0-14) ",
                           "OS: Linux \(NodeLifecycleShape.kernelVersion)", "getrlimit(RLIMIT_NOFILE): 1048576:1048576",
                           "start worker processes"]
            let firstWorker = c.int("worker-pid", 28...36)
            for worker in 0..<4 { notices.append("start worker process \(firstWorker + worker)") }
            let stamped: [Stamped] = notices.enumerated().map { i, notice in
                (0.03 + Double(i) * 0.001, { t in "\(nginxTime(t)) [notice] 1#1: \(notice)" })
            }
            return script + stamped
        case .redis:
            let version = c.version.split(separator: ".").count >= 3 ? c.version : "7.4.1"
            let lines: [(String, String)] = [
                ("1:C", "* oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
                ("1:C", "* Redis version=\(version), bits=64, commit=00000000, modified=0, pid=1, just started"),
                ("1:C", "# Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"),
                ("1:M", "* monotonic clock: POSIX clock_gettime"),
                ("1:M", "* Running mode=standalone, port=6379."),
                ("1:M", "* Server initialized"),
                ("1:M", "* Ready to accept connections tcp"),
            ]
            return lines.enumerated().map { i, line in (Double(i) * 0.001, { "\(line.0) \(redisTime($0)) \(line.1)" }) }
        case .postgres:
            let major = Int(c.version.split(separator: ".").first ?? "") ?? 16
            let lines: [(Int, String)] = [
                (1, "LOG:  starting PostgreSQL \(major).4 (Debian \(major).4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit"),
                (1, "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432"),
                (1, "LOG:  listening on IPv6 address \"::\", port 5432"),
                (1, "LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\""),
                (29, "LOG:  database system was shut down at"),
                (1, "LOG:  database system is ready to accept connections"),
            ]
            return fixed(["", "PostgreSQL Database directory appears to contain a database; Skipping initialization", ""])
                + lines.enumerated().map { i, line in
                    (0.1 + Double(i) * 0.002, { t in
                        let text = line.0 == 29 ? "\(line.1) \(postgresTime(t - 60).dropLast(8)) UTC" : line.1
                        return "\(postgresTime(t)) [\(line.0)] \(text)"
                    })
                }
        case .python:
            return uvicornStart(c, from: 0)
        case .cuda:
            let model = c.pick("model", ["meta-llama/Llama-3.1-8B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3", "Qwen/Qwen2.5-7B-Instruct"])
            let lines = [
                "api_server.py:585] vLLM API server version 0.6.4.post1",
                "config.py:350] This model supports multiple tasks: {'generate', 'embedding'}. Defaulting to 'generate'.",
                "llm_engine.py:249] Initializing an LLM engine (v0.6.4.post1) with config: model='\(model)', dtype=torch.bfloat16, max_seq_len=8192, tensor_parallel_size=1, device_config=cuda, seed=0",
                "model_runner.py:1072] Starting to load model \(model)...",
                "model_runner.py:1077] Loading model weights took 14.99 GB",
                "worker.py:232] Memory profiling results: total_gpu_memory=79.15GiB initial_memory_usage=15.52GiB peak_torch_memory=16.71GiB",
                "gpu_executor.py:122] # GPU blocks: 27913, # CPU blocks: 2048",
                "model_runner.py:1400] Capturing cudagraphs for decoding.",
                "model_runner.py:1528] Graph capturing finished in 11 secs, took 0.52 GiB",
            ]
            return lines.enumerated().map { i, line in (Double(i) * 1.5, { "INFO \(shortTime($0)) \(line)" }) }
                + uvicornStart(c, from: Double(lines.count) * 1.5)
        case .busybox:
            return []
        case .generic:
            let port = c.port > 0 ? c.port : 8080
            return [
                (0.01, { "{\"time\":\"\(isoTime($0))\",\"level\":\"INFO\",\"msg\":\"starting server\",\"version\":\"v1.\(c.int("minor", 2...9)).\(c.int("patch", 0...9))\",\"addr\":\":\(port)\"}" }),
                (0.04, { "{\"time\":\"\(isoTime($0))\",\"level\":\"INFO\",\"msg\":\"connected to database\",\"latency_ms\":\(c.int("db", 3...40))}" }),
                (0.05, { "{\"time\":\"\(isoTime($0))\",\"level\":\"INFO\",\"msg\":\"server ready\"}" }),
            ]
        }
    }

    private static func uvicornStart(_ c: PodLogContext, from: Double) -> [Stamped] {
        let port = c.port > 0 ? c.port : 8000
        return fixed(["INFO:     Started server process [1]", "INFO:     Waiting for application startup.",
                      "INFO:     Application startup complete.",
                      "INFO:     Uvicorn running on http://0.0.0.0:\(port) (Press CTRL+C to quit)"], step: 0.01, from: from)
    }

    private static func nginxVersion(_ c: PodLogContext) -> String {
        let parts = c.version.split(separator: ".")
        if parts.count >= 3 { return c.version }
        if parts.count == 2 { return "\(c.version).\(c.int("nginx-patch", 0...4))" }
        return "1.27.3"
    }

    // MARK: - Steady state

    private static func period(_ c: PodLogContext) -> Double {
        if c.job { return 1.0 }
        switch c.family {
        case .nginx: return 4
        case .python: return 5
        case .cuda, .generic: return 10
        case .redis, .postgres: return 300
        case .busybox: return 0
        }
    }

    private static func client(_ c: PodLogContext, _ slot: Int) -> String {
        "10.244.\(c.int("client-net/\(slot % 7)", 1...3)).\(c.int("client-host/\(slot % 7)", 2...60))"
    }

    private static func periodic(_ c: PodLogContext, slot: Int, at t: Double) -> [String] {
        let s = "slot/\(slot)"
        let probe = c.probed && slot % 3 == 0
        if c.job {
            return ["\(isoTime(t)) INFO processed batch \(slot + 1): \(c.int(s + "/items", 80...250)) items in \(c.int(s + "/ms", 120...900))ms"]
        }
        switch c.family {
        case .nginx:
            if probe {
                return ["\(c.hostIP) - - [\(accessTime(t))] \"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.32\" \"-\""]
            }
            let request = c.pick(s + "/path", [("GET", "/", 200, 615), ("GET", "/index.html", 200, 615), ("GET", "/favicon.ico", 404, 153),
                                               ("GET", "/api/v1/items", 200, 1432), ("GET", "/static/app.js", 304, 0), ("POST", "/api/v1/orders", 201, 87)])
            let agent = c.pick(s + "/ua", ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                                           "curl/8.5.0", "Go-http-client/1.1", "python-requests/2.32.3"])
            return ["\(client(c, slot)) - - [\(accessTime(t))] \"\(request.0) \(request.1) HTTP/1.1\" \(request.2) \(request.3) \"-\" \"\(agent)\" \"-\""]
        case .python:
            if probe { return ["INFO:     \(c.hostIP):\(c.int(s + "/port", 40000...60000)) - \"GET /healthz HTTP/1.1\" 200 OK"] }
            let request = c.pick(s + "/path", [("GET", "/api/items", "200 OK"), ("POST", "/api/predict", "200 OK"), ("GET", "/api/items/42", "404 Not Found"),
                                               ("GET", "/docs", "200 OK"), ("POST", "/api/transcribe", "200 OK")])
            return ["INFO:     \(client(c, slot)):\(c.int(s + "/port", 40000...60000)) - \"\(request.0) \(request.1) HTTP/1.1\" \(request.2)"]
        case .cuda:
            let running = c.int(s + "/running", 0...6)
            return ["INFO \(shortTime(t)) metrics.py:349] Avg prompt throughput: \(Double(c.int(s + "/prompt", 0...12000)) / 10) tokens/s, Avg generation throughput: \(Double(c.int(s + "/gen", 0...2400)) / 10) tokens/s, Running: \(running) reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: \(Double(running * c.int(s + "/kv", 3...19)) / 10)%, CPU KV cache usage: 0.0%."]
        case .generic:
            let request = c.pick(s + "/path", [("GET", "/api/v1/orders", 200), ("GET", "/api/v1/orders/17", 200), ("POST", "/api/v1/orders", 201),
                                               ("GET", "/healthz", 200), ("GET", "/api/v1/users/9", 404)])
            let level = c.unit(s + "/slow") < 0.05 ? "WARN" : "INFO"
            let message = level == "WARN" ? "slow request" : "request completed"
            let duration = level == "WARN" ? c.int(s + "/ms", 800...2500) : c.int(s + "/ms", 2...60)
            return ["{\"time\":\"\(isoTime(t))\",\"level\":\"\(level)\",\"msg\":\"\(message)\",\"method\":\"\(request.0)\",\"path\":\"\(request.1)\",\"status\":\(request.2),\"duration_ms\":\(duration),\"remote_addr\":\"\(client(c, slot)):\(c.int(s + "/port", 40000...60000))\"}"]
        case .redis:
            let child = c.int(s + "/pid", 20...400)
            return ["1:M \(redisTime(t)) * 100 changes in 300 seconds. Saving...",
                    "1:M \(redisTime(t)) * Background saving started by pid \(child)",
                    "\(child):C \(redisTime(t + 0.01)) * DB saved on disk",
                    "\(child):C \(redisTime(t + 0.01)) * Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB",
                    "1:M \(redisTime(t + 0.1)) * Background saving terminated with success"]
        case .postgres:
            let buffers = c.int(s + "/buffers", 1...60)
            return ["\(postgresTime(t)) [27] LOG:  checkpoint starting: time",
                    "\(postgresTime(t + 0.2)) [27] LOG:  checkpoint complete: wrote \(buffers) buffers (0.\(c.int(s + "/pct", 0...3))%); 0 WAL file(s) added, 0 removed, 0 recycled; write=\(Double(c.int(s + "/write", 100...4000)) / 1000) s, sync=0.002 s, total=\(Double(c.int(s + "/total", 110...4100)) / 1000) s; sync files=\(c.int(s + "/files", 1...12)), longest=0.001 s, average=0.001 s; distance=\(buffers * 8) kB, estimate=\(buffers * 8 + 16) kB"]
        case .busybox:
            return []
        }
    }

    // MARK: - Endings

    private static func ending(_ c: PodLogContext, code: Int) -> [(Double) -> String] {
        if c.job {
            if code == 0 { return [{ "\(isoTime($0)) INFO job completed successfully" }] }
            return [{ "\(isoTime($0)) ERROR task failed: exit status \(code)" }]
        }
        let crashed = code != 0
        switch c.family {
        case .nginx:
            if crashed {
                return [{ "\(nginxTime($0)) [emerg] 1#1: host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:14" },
                        { _ in "nginx: [emerg] host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:14" }]
            }
            return ["signal 3 (SIGQUIT) received, shutting down", "signal 17 (SIGCHLD) received from 29", "worker process 29 exited with code 0", "exit"]
                .map { notice in { "\(nginxTime($0)) [notice] 1#1: \(notice)" } }
        case .redis:
            if crashed {
                return [{ "1:M \(redisTime($0)) # Can't handle RDB format version 12" },
                        { "1:M \(redisTime($0)) # Fatal error loading the DB, check server logs. Exiting." }]
            }
            return [{ "1:signal-handler (\(Int($0))) Received SIGTERM scheduling shutdown..." },
                    { "1:M \(redisTime($0)) * User requested shutdown..." },
                    { "1:M \(redisTime($0)) * Saving the final RDB snapshot before exiting." },
                    { "1:M \(redisTime($0)) * DB saved on disk" },
                    { "1:M \(redisTime($0)) # Redis is now ready to exit, bye bye..." }]
        case .postgres:
            if crashed {
                return [{ "\(postgresTime($0)) [1] FATAL:  data directory \"/var/lib/postgresql/data\" has invalid permissions" },
                        { "\(postgresTime($0)) [1] DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750)." }]
            }
            return ["[1] LOG:  received fast shutdown request", "[1] LOG:  aborting any active transactions",
                    "[27] LOG:  shutting down", "[1] LOG:  database system is shut down"]
                .map { line in { "\(postgresTime($0)) \(line)" } }
        case .python, .cuda:
            if crashed {
                if c.family == .cuda {
                    return [{ _ in "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.21 GiB is free." }]
                }
                return ["Traceback (most recent call last):", "  File \"/app/main.py\", line 12, in <module>",
                        "    from app.config import settings", "  File \"/app/app/config.py\", line 21, in <module>",
                        "    DATABASE_URL = os.environ[\"DATABASE_URL\"]", "  File \"<frozen os>\", line 714, in __getitem__",
                        "KeyError: 'DATABASE_URL'"].map { text in { _ in text } }
            }
            return ["INFO:     Shutting down", "INFO:     Waiting for application shutdown.", "INFO:     Application shutdown complete.",
                    "INFO:     Finished server process [1]"].map { text in { _ in text } }
        case .busybox:
            return crashed ? [{ _ in "sh: can't open '/scripts/run.sh': No such file or directory" }] : []
        case .generic:
            if crashed {
                return [{ "{\"time\":\"\(isoTime($0))\",\"level\":\"ERROR\",\"msg\":\"failed to connect to database\",\"error\":\"dial tcp 10.96.0.15:5432: connect: connection refused\"}" },
                        { "{\"time\":\"\(isoTime($0))\",\"level\":\"ERROR\",\"msg\":\"exiting\",\"code\":\(code)}" }]
            }
            return [{ "{\"time\":\"\(isoTime($0))\",\"level\":\"INFO\",\"msg\":\"shutting down\",\"signal\":\"terminated\"}" },
                    { "{\"time\":\"\(isoTime($0))\",\"level\":\"INFO\",\"msg\":\"server stopped\"}" }]
        }
    }
}
