import ArgumentParser
import Foundation

/// The option that says which Python runs the anchor scripts, shared by every benchmark that runs one.
struct AnchorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        The Python of the anchors' virtual environment (see Benchmarks/README.md). Default: \
        $\(PythonAnchor.environmentVariable). Without either, or with an empty value, the anchor \
        is skipped.
        """, valueName: "path"))
    var python: String?

    /// The interpreter to run the anchors with: `--python`, else `$SANITIZE_BENCH_PYTHON`; nil
    /// when the anchor is skipped, after saying on stderr why and, when nothing was given, how to
    /// set one up.
    func interpreter() -> String? {
        if let python {
            if python.isEmpty { PythonAnchor.warn("--python is empty; the anchor is skipped") }
            return python.isEmpty ? nil : python
        }
        if let python = ProcessInfo.processInfo.environment[PythonAnchor.environmentVariable], !python.isEmpty {
            return python
        }
        PythonAnchor.warn("no Python for the anchor (neither --python nor $\(PythonAnchor.environmentVariable) is set); "
                          + "the anchor is skipped.\n" + PythonAnchor.setUpInstructions)
        return nil
    }
}

/// Runs an anchor script (PyTorch, Pillow, numpy, …) for the benchmarks and returns what it
/// printed, or nil after a warning on stderr: a missing anchor never stops a benchmark.
enum PythonAnchor {
    /// The environment variable naming the anchors' Python when `--python` is not given.
    static let environmentVariable = "SANITIZE_BENCH_PYTHON"

    /// How to make the anchors' virtual environment, printed whenever an anchor cannot run.
    static let setUpInstructions = """
        To set up the anchors' Python, outside the repository:
          python3 -m venv ~/.venvs/sanitize-bench
          ~/.venvs/sanitize-bench/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch
          ~/.venvs/sanitize-bench/bin/pip install -r Benchmarks/anchors/requirements.txt
        then pass --python ~/.venvs/sanitize-bench/bin/python, or
          export \(environmentVariable)=~/.venvs/sanitize-bench/bin/python
        (Benchmarks/README.md describes each anchor).
        """

    /// The standard output of `python script arguments…`, where `script` (e.g.
    /// `Benchmarks/anchors/train_torch.py`) is relative to the package (see `locate`).
    /// Nil when the script is missing, Python cannot start, or the script fails; the warning
    /// then quotes the script's last line on stderr and says how to set the Python up.
    static func run(python: String, script relative: String, arguments: [String]) -> String? {
        guard let script = locate(relative) else {
            warn("\(relative) not found; run sanitize-bench from the repository, or from its .build folder")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let output = Pipe()
        process.standardOutput = output
        // The script's stderr goes to a scratch file rather than a second pipe, which could fill
        // up and block the script while stdout is being read.
        let errorsPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("sanitize-bench-anchor-\(UUID().uuidString).txt").path
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
              let errors = FileHandle(forWritingAtPath: errorsPath) else {
            warn("cannot create a scratch file in \(FileManager.default.temporaryDirectory.path) for the anchor's messages")
            return nil
        }
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        process.standardError = errors
        do {
            try process.run()
        } catch {
            try? errors.close()
            warn("cannot run the anchor's Python \(python): \(error.localizedDescription)\n" + setUpInstructions)
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        guard process.terminationStatus == 0 else {
            let errorData = FileManager.default.contents(atPath: errorsPath) ?? Data()
            let lastLine = String(decoding: errorData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            warn("the anchor \(relative) failed under \(python) (status \(process.terminationStatus))"
                 + (lastLine.isEmpty ? "" : ": \(lastLine)") + "\n" + setUpInstructions)
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

    /// `relative` (a path inside the package) under the current directory or one of its parents,
    /// else under the folder of this executable or one of its parents (so that
    /// `.build/release/sanitize-bench` finds the package it was built from); nil if neither has it.
    static func locate(_ relative: String) -> String? {
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent(relative).path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return nil
    }

    /// Writes `warning: message` to stderr.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
