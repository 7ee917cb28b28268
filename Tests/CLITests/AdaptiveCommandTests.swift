import Foundation
import Imaging
import XCTest

/// The adaptive attack options of `sanitize attack` and `sanitize evaluate`, end to end.
final class AdaptiveCommandTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws { directory = try SanitizeProcess.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func fixture(_ name: String) -> String { SanitizeProcess.root + "/Fixtures/images/" + name }

    func testPGDThroughTheCodecFoolsTheSanitisedModel() throws {
        let output = directory + "/adv.png"
        let result = try SanitizeProcess.run(["attack", fixture("chelsea.png"), "--eps", "4", "--attack", "pgd", "--steps", "10",
                                              "--threat", "bpda", "--codec", "jpeg:50", "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("(pgd, bpda, loss ce)"), result.stdout)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("jpeg:50:") }, result.stdout)
        XCTAssertFalse(line.contains(" 282 "), "PGD-10 bpda at eps 4 should move chelsea off 'tiger cat' after JPEG 50: \(line)")
        XCTAssertTrue(result.stdout.contains("L∞: 4"), result.stdout)
    }

    func testEvaluateWritesEveryThreatsRowsAndTheTables() throws {
        let output = directory + "/r.csv"
        let result = try SanitizeProcess.run(["evaluate", fixture("coffee.png"), "--eps", "0,4", "--codec", "jpeg:50",
                                              "--attack", "fgsm,pgd", "--steps", "3", "--threat", "oblivious,bpda,bpda-diffjpeg,worst",
                                              "--loss", "margin", "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        // fgsm and pgd × (oblivious at none and jpeg:50, bpda and bpda-diffjpeg at jpeg:50) × 2 eps, and worst × 2 settings × 2 eps.
        XCTAssertEqual(lines.count, 1 + 2 * 4 * 2 + 4)
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.contains(",margin,") })
        XCTAssertTrue(result.stdout.contains("pgd bpda-diffjpeg") && result.stdout.contains("worst"), result.stdout)
    }

    func testThreatsThatCannotMakeRowsAreUsageErrors() throws {
        let base = ["evaluate", fixture("coffee.png"), "--output", directory + "/r.csv"]
        for (extra, expected) in [(["--threat", "bpda"], "--threat bpda needs a codec setting"),
                                  (["--threat", "worst"], "worst needs at least one other threat"),
                                  (["--threat", "transfer"], "--source-model"),
                                  (["--threat", "diffjpeg", "--codec", "webp:50"], "needs a JPEG setting"),
                                  (["--threat", "psychic"], "unknown threat 'psychic'"),
                                  (["--attack", "cw"], "unknown attack 'cw'"),
                                  (["--loss", "hinge"], "unknown loss 'hinge'"),
                                  (["--steps", "0"], "--steps must be 1…10000"),
                                  (["--model", "efficientnet-b7"], "efficientnet-lite0")] {
            let result = try SanitizeProcess.run(base + extra)
            XCTAssertEqual(result.status, 64, "\(extra): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected), "\(extra): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/r.csv"))
    }

    func testTransferCraftsOnTheSourceModel() throws {
        let output = directory + "/t.csv"
        let result = try SanitizeProcess.run(["evaluate", fixture("coffee.png"), "--eps", "4", "--model", "efficientnet-lite0",
                                              "--source-model", "efficientnet-lite1", "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.filter { $0.contains(",transfer,") }.count, 1)
        XCTAssertEqual(rows.filter { $0.contains(",oblivious,") }.count, 1)
        let settings = try String(contentsOfFile: output + ".settings", encoding: .utf8)
        XCTAssertTrue(settings.contains("source model efficientnet-lite1"), settings)
    }
}
