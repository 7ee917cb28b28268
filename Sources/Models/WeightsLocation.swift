import _Support
import Foundation

// MARK: - Where the weights are

/// Finds each model's installed weights.
///
/// `Scripts/setup.sh` (through `Scripts/fetch_weights.sh`) installs them, git-ignored, as
/// `Weights/efficientnet-lite0.safetensors`, `…-lite1…` and `…-lite2…` in the repository
/// (`EfficientNetLiteVariant.weightsFileName`). The default search order for a variant is:
/// 1. for Lite0 only, `$SANITIZE_WEIGHTS` when set (a file path): the variable predates the
///    other variants, and one path cannot name three files;
/// 2. `Weights/<file>` in the executable's directory or any parent (so `.build/release/sanitize`
///    and test bundles find the repository's copy);
/// 3. the same relative path in the current directory or any parent.
/// `--weights PATH` on the command line replaces the search.
public enum WeightsLocation {
    /// The environment variable that overrides the default location of Lite0's weights.
    public static let environmentVariable = "SANITIZE_WEIGHTS"

    /// The installed file of `variant`, relative to the repository root.
    public static func relativePath(of variant: EfficientNetLiteVariant = .lite0) -> String {
        "Weights/" + variant.weightsFileName
    }

    /// What results record about the weights of `variant` at `path` (nil: the installed file):
    /// the model and the file's SHA-256. The installed file's checksum is the one loading
    /// verifies; another file is hashed.
    public static func description(of path: String?, variant: EfficientNetLiteVariant = .lite0) throws -> String {
        guard let path else { return "\(variant.name) safetensors, SHA-256 \(variant.weightsSHA256)" }
        return "\(variant.name) safetensors, SHA-256 \(sha256Hex(try Files.read(path, limit: 1 << 31)))"
    }

    /// SHA-256 of `data` as 64 lowercase hex digits (FIPS 180-4), the check applied on loading.
    public static func checksum(of data: Data) -> String {
        data.withUnsafeBytes { sha256Hex($0) }
    }

    /// The weights file of `variant` to use: for Lite0, `$SANITIZE_WEIGHTS` if set; else the first
    /// existing `Weights/<variant.weightsFileName>` walking up from the executable's directory,
    /// then from the current directory.
    ///
    /// - Throws: `ModelError.weightsNotFound` naming the model and listing every path tried.
    public static func defaultPath(for variant: EfficientNetLiteVariant = .lite0) throws -> String {
        if variant == .lite0, let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty {
            guard Files.exists(path) else {
                throw ModelError.weightsNotFound(model: variant.name, searched: ["\(path) (from $\(environmentVariable))"])
            }
            return path
        }
        let relative = relativePath(of: variant)
        var searched: [String] = []
        for start in searchRoots() {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent(relative).path
                if !searched.contains(candidate) {
                    if Files.exists(candidate) { return candidate }
                    searched.append(candidate)
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw ModelError.weightsNotFound(model: variant.name, searched: searched)
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
