/// A file that could not be read or written, with the reason and what to do.
///
/// `description` is `<path>: <reason>`, with the path shown by ``PlatformPath/display(_:)``.
public struct FileError: Swift.Error, CustomStringConvertible, Sendable, Equatable {
    /// The file's path.
    public var path: String
    /// What is wrong, and what to do about it.
    public var reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `<path>: <reason>`, or only the reason when the path is empty.
    public var description: String { path.isEmpty ? reason : "\(PlatformPath.display(path)): \(reason)" }
}
