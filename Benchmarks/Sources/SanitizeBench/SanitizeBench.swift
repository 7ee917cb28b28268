import ArgumentParser
import Foundation
import Imaging
import _Support

/// `sanitize-bench`: the benchmarks behind Benchmarks/README.md, one subcommand per area. The
/// root command only configures the subcommands and reports errors.
@main
struct SanitizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanitize-bench",
        abstract: "Measure the speed of sanitize: median timings and ratios against Python anchors.",
        discussion: """
            Each subcommand times one area many times and prints the median. Run on an idle \
            machine. The anchors (Pillow, pytorch_msssim, numpy, PyTorch) are the scripts in \
            Benchmarks/anchors/, run with the Python given by --python or \
            $SANITIZE_BENCH_PYTHON; Benchmarks/README.md says how to set that Python up.
            """,
        version: "0.1.0",
        subcommands: [BenchCodecs.self, BenchMetrics.self, BenchKernels.self, BenchModel.self, BenchSweep.self, BenchAttack.self,
                      BenchTrain.self])

    /// Runs the parsed command. Every failure is printed to stderr as `error: …`; usage errors
    /// exit with 64 (EX_USAGE) and runtime failures with 1.
    static func main() {
        // Decode as `sanitize` does: in a child process, the `sanitize` built beside this binary.
        if let bench = ChildProcess.currentExecutable {
            let sanitize = PlatformPath.join(PlatformPath.parent(bench), "sanitize")
            if Files.kind(sanitize) == .regular {
                ImageFile.isolation = .childProcess(executable: sanitize, arguments: ["sanitize", "decode-worker"])
            }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = fullMessage(for: error)
                .replacingOccurrences(of: "Error: ", with: "")
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
