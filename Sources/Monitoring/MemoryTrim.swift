/// Returning freed heap pages to the system, which glibc otherwise keeps for reuse. `malloc.h` is not part of
/// the Glibc module, so the function is bound by name.
enum MemoryTrim {
    static func releaseFreePages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
