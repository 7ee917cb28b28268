import Foundation
import XCTest

/// Every command's `--help` against its committed snapshot in Tests/CLITests/Snapshots/, so that
/// a change to what a researcher reads is a deliberate one. To accept a change, regenerate with
/// `sanitize COMMAND --help > Tests/CLITests/Snapshots/COMMAND-help.txt` (no terminal, so 80 columns).
final class HelpSnapshotTests: XCTestCase {
    static let commands = ["", "classify", "attack", "compress", "evaluate", "msssim", "train", "poison"]

    func testEveryCommandsHelpMatchesItsSnapshot() throws {
        for command in Self.commands {
            let arguments = command.isEmpty ? ["--help"] : [command, "--help"]
            let result = try SanitizeProcess.run(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            let name = command.isEmpty ? "sanitize" : command
            let snapshot = "\(SanitizeProcess.root)/Tests/CLITests/Snapshots/\(name)-help.txt"
            let expected = try String(contentsOfFile: snapshot, encoding: .utf8)
            XCTAssertEqual(result.stdout, expected, "\(name) help changed; if intended, update \(snapshot)")
            XCTAssertTrue(result.stdout.contains("Example"), "\(name) help shows an example")
        }
    }
}
