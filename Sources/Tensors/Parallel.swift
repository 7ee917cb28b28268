import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Splitting work across cores

/// Elements below which an elementwise loop stays on one thread: below ~128 K floats (512 KB, a
/// core's L2) the dispatch overhead (~10 µs) outweighs the gain from a second core.
@usableFromInline let parallelThreshold = 1 << 17

/// Number of chunks big elementwise loops are split into: the machine's active cores, at most 8.
@usableFromInline let parallelWidth = max(1, min(8, sysconfActiveCores()))

@usableFromInline
func sysconfActiveCores() -> Int {
    #if canImport(Glibc) || canImport(Darwin)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}

/// Runs `body` over `0..<count`, split into one contiguous chunk per core when `count` is at least
/// `threshold`, else in one call on the current thread. Chunks never overlap, so `body` may write
/// disjoint output ranges without locks.
@inlinable
func parallelChunks(count: Int, threshold: Int = parallelThreshold, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = count >= threshold ? parallelWidth : 1
    if chunks == 1 {
        body(0..<count)
        return
    }
    let size = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * size
        let end = min(count, start + size)
        if start < end { body(start..<end) }
    }
}

// MARK: - Checks that survive -Ounchecked

/// Stops with `message` when `condition` is false. Unlike `precondition`, it is kept in the
/// `-Ounchecked` release builds this package uses, so a shape error names its op instead of
/// corrupting memory. Only O(1) checks per op call use it, never inner loops.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
