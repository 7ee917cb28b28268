import Foundation

/// Runs an anchor script of `Scripts/` (PyTorch, Pillow, …) for the `bench` commands and returns
/// what it printed, or nil after a warning on stderr: a missing anchor never stops a benchmark.
enum PythonAnchor {
    /// The standard output of `python script arguments…`, where `script` (e.g.
    /// `Scripts/anchors/train_torch.py`) is looked up under the current directory or its parents.
    /// Nil when the script is missing, Python cannot start, or the script fails.
    static func run(python: String, script relative: String, arguments: [String]) -> String? {
        guard let script = findScript(relative) else {
            warn("\(relative) not found; run from the repository")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            warn("cannot run \(python): \(error)")
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            warn("the anchor \(relative) failed (status \(process.terminationStatus))")
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The first number after `prefix` in `text`, e.g. `median 48.0` → 48.0 for prefix `median `.
    static func number(after prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        let rest = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(rest)
    }

    /// `relative` under the current directory or one of its parents, if it exists.
    private static func findScript(_ relative: String) -> String? {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
