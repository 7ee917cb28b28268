import ArgumentParser
import Foundation
import Imaging
import _Support

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
            PSNR and bits per pixel; and small CNNs trained on codec-compressed and poisoned \
            Fashion-MNIST.

            Example:
              sanitize evaluate Fixtures/images --eps 0,2,8 --codec jpeg:10,50,90 --output out/results.csv
            """,
        version: "0.2.0",
        subcommands: [Classify.self, Attack.self, Compress.self, Evaluate.self, MSSSIM.self, Train.self, Poison.self,
                      DecodeWorker.self])

    /// Parses the arguments and runs the command. Every failure is printed to stderr as
    /// `error: …`: usage errors (bad options or values, found while parsing and validating)
    /// exit with 64 (EX_USAGE), runtime failures with 1.
    static func main() {
        let arguments = CommandLineArguments.normalized(CommandLineArguments.raw())
        if let executable = ChildProcess.currentExecutable {
            ImageFile.isolation = .childProcess(executable: executable, arguments: ["sanitize", "decode-worker"])
        }
        var command: ParsableCommand
        do {
            if let problem = CommandLineArguments.problem(in: arguments) { throw ValidationError(problem) }
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            report(error, usage: true)
        }
        do {
            try command.run()
        } catch {
            // `--help` parses to a command whose run asks for the help text.
            if exitCode(for: error) == .success {
                let text = fullMessage(for: error)
                if !text.isEmpty { print(text) }
                Foundation.exit(0)
            }
            report(error, usage: error is ValidationError)
        }
    }

    /// Prints `error: message` and exits with 64 for usage errors, else 1.
    private static func report(_ error: Swift.Error, usage: Bool) -> Never {
        let message: String
        if usage {
            message = fullMessage(for: error).replacingOccurrences(of: "Error: ", with: "")
        } else if let cocoa = error as? CocoaError {
            let path = (cocoa.userInfo[NSFilePathErrorKey] as? String).map { PlatformPath.display($0) + ": " } ?? ""
            message = path + cocoa.localizedDescription
        } else {
            message = "\(error)"
        }
        warn(message, prefix: "error")
        Foundation.exit(usage ? 64 : 1)
    }
}
