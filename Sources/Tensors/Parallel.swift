#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Splitting work across cores (through `Parallel` of `_Support`)

/// Elements below which an elementwise loop stays on one thread: below ~128 K floats (512 KB, a
/// core's L2) the dispatch overhead (~10 µs) outweighs the gain from a second core.
@usableFromInline let parallelThreshold = 1 << 17

// MARK: - Checks that survive -Ounchecked

/// Stops with `message` when `condition` is false. Unlike `precondition`, it is kept in the
/// `-Ounchecked` release builds this package uses, so a shape error names its op instead of
/// corrupting memory. Only O(1) checks per op call use it, never inner loops.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
