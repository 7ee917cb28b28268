import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one parallel-for of the package.
///
/// Work is spread with `DispatchQueue.concurrentPerform`, which libdispatch sizes to the active
/// cores and runs inline when called from inside another parallel loop that already holds every
/// core: so a kernel called from one job of a sweep runs serially on that job's core.
public enum Parallel {
    /// The active cores, at least 1.
    public static let cores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls `body(i)` once for every `i` in `0..<count`, concurrently; a single call runs on
    /// the current thread. Calls must write disjoint memory.
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }

    /// The chunks a large elementwise loop is split into: the active cores, at most 8.
    public static let width = min(8, cores)

    /// Calls `body(0..<count)` on this thread when `count < threshold`; otherwise splits
    /// `0..<count` into ``width`` contiguous chunks and calls `body` with each, concurrently.
    /// Chunks never overlap, so `body` may write disjoint output ranges without locks.
    @inlinable
    public static func chunks(_ count: Int, serialBelow threshold: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let pieces = count >= threshold ? min(width, count) : 1
        if pieces == 1 {
            body(0..<count)
            return
        }
        let size = (count + pieces - 1) / pieces
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let range = (piece * size)..<min(count, (piece + 1) * size)
            if !range.isEmpty { body(range) }
        }
    }
}
