import XCTest

/// `sanitize --help` offers exactly the researcher's commands; the benchmarks live in `sanitize-bench`.
final class RootCommandTests: XCTestCase {
    func testHelpListsOnlyTheResearchCommands() throws {
        let result = try SanitizeProcess.run(["--help"])
        XCTAssertEqual(result.status, 0, result.stderr)
        guard let section = result.stdout.range(of: "SUBCOMMANDS:") else {
            return XCTFail("no SUBCOMMANDS section in:\n\(result.stdout)")
        }
        // Subcommand lines are indented by two spaces; wrapped abstracts by more.
        let names = result.stdout[section.upperBound...].split(separator: "\n")
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "See" }
        XCTAssertEqual(names, ["classify", "attack", "compress", "evaluate", "msssim", "train", "poison"])
    }

    func testBenchIsNotASubcommand() throws {
        let result = try SanitizeProcess.run(["bench", "sweep"])
        XCTAssertEqual(result.status, 64, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("'bench'"), "stderr should name the argument: \(result.stderr)")
    }
}
