import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic nanoseconds: wall-clock time can step under NTP in the middle of a run.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func sleepNanos(_ nanos: UInt64) {
    guard nanos > 0 else { return }
    var request = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}

/// CPU time of this process, all threads: the client's own cost, to tell a client-bound figure from a
/// server-bound one when both share two cores.
func clientCPUNanos() -> UInt64 {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let user = UInt64(usage.ru_utime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_utime.tv_usec) * 1000
    let system = UInt64(usage.ru_stime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_stime.tv_usec) * 1000
    return user + system
}

/// A value shared between client threads. Every use is short and off the measured path.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// Holds every client thread until all have connected, so connection setup is never part of a timing and
/// all clients start at once.
final class StartGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready = 0
    private var open = false
    private let parties: Int

    init(parties: Int) { self.parties = parties }

    /// Called by each client thread once it is set up.
    func arriveAndWait() {
        condition.lock()
        ready += 1
        condition.broadcast()
        while !open { condition.wait() }
        condition.unlock()
    }

    /// Called by the coordinator: returns once every party has arrived, before releasing them.
    func waitForAll() {
        condition.lock()
        while ready < parties { condition.wait() }
        condition.unlock()
    }

    func release() {
        condition.lock()
        open = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Threads started by `startThreads`, joined for their results in index order.
struct ThreadGroup<R: Sendable>: Sendable {
    fileprivate let results: Locked<[R?]>
    fileprivate let group: DispatchGroup

    func join() -> [R] {
        group.wait()
        return results.current.map { $0! }
    }

    /// False if some thread was still running after `seconds`.
    func wait(seconds: Double) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }
}

/// Runs `body` on `count` dedicated threads. Dedicated threads, not a pool: every client blocks in a socket
/// call, and a pool sized to the cores would serialise them.
func startThreads<R: Sendable>(_ count: Int, stackSize: Int = 1 << 20,
                               _ body: @escaping @Sendable (Int) -> R) -> ThreadGroup<R> {
    let results = Locked([R?](repeating: nil, count: count))
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            let value = body(index)
            results.withLock { $0[index] = value }
            group.leave()
        }
        thread.stackSize = stackSize
        thread.start()
    }
    return ThreadGroup(results: results, group: group)
}

func onThreads<R: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> R) -> [R] {
    startThreads(count, body).join()
}

/// Latency distribution in nanoseconds, summarised by nearest rank.
struct LatencySummary: Sendable {
    var count: Int
    var p50: UInt64
    var p99: UInt64
    var max: UInt64
    var mean: Double

    init?(_ samples: [UInt64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ q: Double) -> UInt64 {
            let index = Int((q * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        count = sorted.count
        p50 = rank(0.50)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
        mean = Double(sorted.reduce(0, &+)) / Double(sorted.count)
    }
}

/// What `/proc/<pid>` tells about the server: CPU time of all its threads and its resident memory.
struct ProcSample: Sendable {
    var cpuNanos: UInt64
    var rssBytes: Int
    var peakRSSBytes: Int
}

enum ProcStats {
    static let ticksPerSecond: UInt64 = {
        #if os(Linux)
        let value = sysconf(Int32(_SC_CLK_TCK))
        #else
        let value = sysconf(_SC_CLK_TCK)
        #endif
        return value > 0 ? UInt64(value) : 100
    }()

    /// nil when the process is gone or /proc is not there (not Linux).
    static func sample(pid: Int32) -> ProcSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces; fields are counted after it.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let utime = UInt64(fields[11]), let stime = UInt64(fields[12]) else { return nil }
        var rss = 0
        var hwm = 0
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = kibibytes(line) }
            if line.hasPrefix("VmHWM:") { hwm = kibibytes(line) }
        }
        return ProcSample(cpuNanos: (utime + stime) * (1_000_000_000 / ticksPerSecond),
                          rssBytes: rss, peakRSSBytes: hwm)
    }

    private static func kibibytes(_ line: Substring) -> Int {
        let digits = line.split(separator: " ").first { $0.allSatisfy(\.isNumber) }
        return (digits.flatMap { Int($0) } ?? 0) * 1024
    }
}

/// Watches the server process across one measured phase.
struct ServerProbe: Sendable {
    var pid: Int32?

    func start() -> ProcSample? { pid.flatMap(ProcStats.sample) }

    /// CPU used between the two samples divided by operations, and the peak RSS so far.
    func finish(_ before: ProcSample?, operations: Int) -> (cpuPerOpNanos: Double?, peakRSS: Int?, rss: Int?) {
        guard let pid, let before, let after = ProcStats.sample(pid: pid) else { return (nil, nil, nil) }
        let used = after.cpuNanos >= before.cpuNanos ? after.cpuNanos - before.cpuNanos : 0
        let perOp = operations > 0 ? Double(used) / Double(operations) : nil
        return (perOp, after.peakRSSBytes, after.rssBytes)
    }
}

/// A short description of the machine for the report.
enum MachineInfo {
    static func describe() -> [String: String] {
        var info: [String: String] = [:]
        info["cpus"] = String(ProcessInfo.processInfo.activeProcessorCount)
        info["memory"] = String(ProcessInfo.processInfo.physicalMemory / (1 << 20)) + " MiB"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":")
        {
            info["cpuModel"] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let system = withUnsafeBytes(of: &name.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        info["kernel"] = system + " " + release
        info["hostname"] = ProcessInfo.processInfo.hostName
        return info
    }
}
