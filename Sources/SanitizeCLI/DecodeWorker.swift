import ArgumentParser
import Foundation
import Imaging

/// `sanitize decode-worker PATH`: the child process that decodes one untrusted file for the
/// other commands (see `ImageFile.Isolation`). Hidden from help; not for researchers.
struct DecodeWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-worker",
        abstract: "Decode one image file and write it to stdout (used internally).",
        shouldDisplay: false)

    @Argument(help: "The file to decode.")
    var path: String

    func run() throws {
        Foundation.exit(ImageFile.serveDecode(path))
    }
}
