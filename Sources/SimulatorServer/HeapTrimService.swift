import ServiceLifecycle

/// Hands freed heap pages back to the system every few seconds. The simulation allocates and frees in bursts (a
/// monitoring sample over 100,000 pods, a large list), and glibc otherwise keeps every page it ever used, so the
/// resident set would stay at the high-water mark of the biggest burst.
struct HeapTrimService: Service {
    var interval: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                releaseFreePages()
            }
        }
    }

    private func releaseFreePages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// `malloc.h` is not part of the Glibc module, so the function is bound by name.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
