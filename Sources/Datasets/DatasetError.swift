/// Why a dataset file could not be decoded or cached. (A file that cannot be opened, read or
/// written is a `FileError` of `_Support`.)
///
/// Every case names the file it concerns, so that a researcher pointing the harness at a folder
/// they did not make can tell which file is broken and why.
public enum DatasetError: Swift.Error, CustomStringConvertible, Equatable {
    /// The file is not a gzip stream, is truncated, fails its CRC or length check, or is corrupt.
    case badGzip(path: String, reason: String)
    /// The inflated (or raw) content would exceed the size cap; the cap protects against gzip bombs.
    case tooLarge(path: String, limit: Int)
    /// The IDX header or payload is inconsistent (magic, dimensions, payload size, labels).
    case badIDX(path: String, reason: String)
    /// A CIFAR-10 binary batch is malformed (length, labels).
    case badCIFAR(path: String, reason: String)
    /// Two files that must agree (images and labels) do not.
    case mismatch(reason: String)
    /// A codec round trip failed for one image while filling the codec cache.
    case codecFailed(setting: String, index: Int, reason: String)

    /// A one-line message naming the file and the reason.
    public var description: String {
        switch self {
        case let .badGzip(path, reason): return "'\(path)' is not a valid gzip file: \(reason)"
        case let .tooLarge(path, limit): return "'\(path)' is larger than the \(limit)-byte cap"
        case let .badIDX(path, reason): return "'\(path)' is not a valid IDX file: \(reason)"
        case let .badCIFAR(path, reason): return "'\(path)' is not a valid CIFAR-10 binary batch: \(reason)"
        case let .mismatch(reason): return reason
        case let .codecFailed(setting, index, reason): return "codec \(setting) failed on image \(index): \(reason)"
        }
    }
}
