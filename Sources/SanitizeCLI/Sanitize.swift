import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The root command: it only configures the subcommands and reports errors.
@main
struct Sanitize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanitize",
        abstract: "Does lossy compression remove adversarial perturbations, and what does it cost?",
        discussion: """
            A research harness for the experiments of "Lossy Compression to Prevent Evasion and \
            Poisoning" (Jacobellis and Qin): FGSM attacks on a pretrained EfficientNet-Lite0, \
            sanitised by real JPEG, WebP and JPEG 2000 codecs, and measured by accuracy, MS-SSIM, \
            PSNR and bits per pixel.
            """,
        version: "0.1.0",
        subcommands: [Classify.self, Attack.self, Compress.self, Evaluate.self, MSSSIM.self, Train.self, Poison.self])

    /// Runs the parsed command. Every failure is printed to stderr as `error: …`; usage errors
    /// exit with 64 (EX_USAGE) and runtime failures with 1.
    static func main() {
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
