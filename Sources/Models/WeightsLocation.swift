import _Support
import Foundation

// MARK: - Where the weights are

/// Finds the installed EfficientNet-Lite0 weights and knows their checksum.
///
/// `Scripts/setup.sh` (through `Scripts/fetch_weights.sh`) installs them, git-ignored, at
/// `Weights/efficientnet-lite0.safetensors` in the repository. The default search order is:
/// 1. `$SANITIZE_WEIGHTS`, when set (a file path);
/// 2. `Weights/efficientnet-lite0.safetensors` in the executable's directory or any parent
///    (so `.build/release/sanitize` and test bundles find the repository's copy);
/// 3. the same relative path in the current directory or any parent.
/// `--weights PATH` on the command line replaces the search.
public enum WeightsLocation {
    /// The environment variable that overrides the default location.
    public static let environmentVariable = "SANITIZE_WEIGHTS"

    /// The installed file, relative to the repository root.
    public static let relativePath = "Weights/efficientnet-lite0.safetensors"

    /// SHA-256 of the safetensors file that `Scripts/convert_weights.py` makes from the
    /// `efficientnet-lite0-57934424.pth` of docs/protocol.md §2 (itself SHA-256 `57934424…cabf77db`).
    public static let sha256 = "2480650af311e80876bc6170530d3e00c0e69f8c5f5cb464e07387d5f5ee27f0"

    /// What results record about the weights at `path` (nil: the installed file): the model and
    /// the file's SHA-256. The installed file's checksum is the one loading verifies; another file is hashed.
    public static func description(of path: String?) throws -> String {
        guard let path else { return "\(EfficientNetLite0.modelName) safetensors, SHA-256 \(sha256)" }
        return "\(EfficientNetLite0.modelName) safetensors, SHA-256 \(sha256Hex(try Files.read(path, limit: 1 << 31)))"
    }

    /// SHA-256 of `data` as 64 lowercase hex digits (FIPS 180-4), the check applied on loading.
    public static func checksum(of data: Data) -> String {
        data.withUnsafeBytes { sha256Hex($0) }
    }

    /// The weights file to use: `$SANITIZE_WEIGHTS` if set, else the first existing
    /// `Weights/efficientnet-lite0.safetensors` walking up from the executable's directory, then
    /// from the current directory.
    ///
    /// - Throws: `ModelError.weightsNotFound` listing every path tried.
    public static func defaultPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty {
            guard Files.exists(path) else {
                throw ModelError.weightsNotFound(searched: ["\(path) (from $\(environmentVariable))"])
            }
            return path
        }
        var searched: [String] = []
        for start in searchRoots() {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent(relativePath).path
                if !searched.contains(candidate) {
                    if Files.exists(candidate) { return candidate }
                    searched.append(candidate)
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw ModelError.weightsNotFound(searched: searched)
    }

    /// The directories the search walks up from: the executable's, then the current one.
    private static func searchRoots() -> [URL] {
        var roots: [URL] = []
        if let executable = Bundle.main.executableURL {
            roots.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        roots.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        return roots
    }
}
