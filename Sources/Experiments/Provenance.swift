import Imaging
import _Support

/// What produced the rows of a results file: `<output>.provenance`, beside the CSV.
///
/// One block per distinct environment that wrote rows: the tool and its version, the codec
/// libraries, the weights and the kernels' CPU target. A resumed run whose environment differs
/// adds its own block, so a file whose rows came from two library builds says so.
public enum Provenance {
    /// The sidecar's path for the results file `path`.
    public static func path(for results: String) -> String { results + ".provenance" }

    /// The block describing this process, for `tool` (e.g. `sanitize 0.2.0`) and the weights description.
    public static func block(tool: String, weights: String) -> String {
        #if arch(x86_64)
        let cpu = "x86_64, kernels built for AVX2 + FMA"
        #elseif arch(arm64)
        let cpu = "arm64"
        #else
        let cpu = "other"
        #endif
        return ([tool] + CodecLibraries.versions.map { "codec library: \($0)" } + ["weights: \(weights)", "cpu: \(cpu)"])
            .joined(separator: "\n") + "\n"
    }

    /// Adds `block` to the provenance of `results` unless it is there already; written atomically.
    public static func record(_ block: String, for results: String) throws {
        let file = path(for: results)
        let existing = Files.exists(file) ? String(decoding: try Files.read(file, limit: 1 << 20), as: UTF8.self) : ""
        guard !existing.contains(block) else { return }
        try AtomicFile.write(existing + (existing.isEmpty ? "" : "\n") + block, to: file)
    }
}
