import Attacks
@testable import Experiments
import Imaging
import XCTest
import _Support
import _TestSupport

/// The sweep over attacks × threats, with the toy classifier (fast, exactly differentiable).
final class AdaptiveSweepTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func images() -> [SweepImage] {
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        return SweepImage.identify(["chelsea.png", "coffee.png"].map { ($0, fixtures.appendingPathComponent($0).path) }).images
    }

    private func plan(threats: [ThreatKind]) throws -> SweepPlan {
        try SweepPlan(images: images(), model: "toy", attacks: [FGSM(), PGD(steps: 3)], threats: threats,
                      loss: MarginLoss(), seed: 7, sourceModel: "toy-source", epsilons: [0, 8],
                      settings: ["jpeg:50", "webp:50"].map(CodecSetting.init(parsing:)), weights: "toy")
    }

    private func run(_ plan: SweepPlan, to name: String) throws -> [ResultRow] {
        let path = folder.appendingPathComponent(name).path
        let file = try ResultsFile(path: path, settings: plan.recordedSettings, resume: false, validate: plan.problem(with:))
        let skipped = try Sweep(plan: plan, classifier: ToyClassifier(), source: ToyClassifier()).run(results: file)
        XCTAssertTrue(skipped.isEmpty, "\(skipped)")
        return try ResultRow.readAll(path: path)
    }

    func testEachThreatHasTheRowsOfTheSettingsItAppliesTo() throws {
        let plan = try plan(threats: [.worst, .oblivious, .bpda, .eot, .bpdaDiffJPEG, .diffjpeg, .transfer])
        XCTAssertEqual(plan.threats.last, .worst, "worst is taken last")
        let rows = try run(plan, to: "a.csv")
        XCTAssertEqual(rows.count, plan.rowsPerImage * 2)
        func count(_ attack: String, _ threat: String) -> Int {
            rows.filter { $0.recipe.attack == attack && $0.recipe.threat == threat }.count
        }
        // Two images × two eps × the settings each threat applies to (none, jpeg:50, webp:50).
        XCTAssertEqual(count("pgd", "oblivious"), 12)
        XCTAssertEqual(count("pgd", "transfer"), 12)
        XCTAssertEqual(count("pgd", "bpda"), 8)
        XCTAssertEqual(count("fgsm", "eot"), 8)
        XCTAssertEqual(count("pgd", "bpda-diffjpeg"), 4)
        XCTAssertEqual(count("fgsm", "diffjpeg"), 4)
        XCTAssertEqual(count("any", "worst"), 12)
        XCTAssertTrue(rows.filter { $0.recipe.attack == "pgd" }.allSatisfy { $0.recipe.steps == 3 && $0.recipe.seed == 7 })
        XCTAssertTrue(rows.filter { $0.recipe.attack == "fgsm" }.allSatisfy { $0.recipe.steps == 1 && $0.recipe.seed == 0 })
        XCTAssertTrue(rows.allSatisfy { $0.recipe.loss == "margin" })
    }

    func testWorstIsNoBetterThanAnyThreatInItsCell() throws {
        let rows = try run(plan(threats: [.oblivious, .bpda, .eot, .worst]), to: "w.csv")
        let worst = rows.filter { $0.recipe.threat == "worst" }
        XCTAssertFalse(worst.isEmpty)
        for w in worst {
            let cell = rows.filter { $0.recipe.threat != "worst" && $0.image == w.image && $0.eps == w.eps
                && $0.codec == w.codec && $0.quality == w.quality }
            XCTAssertFalse(cell.isEmpty)
            XCTAssertEqual(w.signedConfidence, cell.map(\.signedConfidence).min()!, "\(w.key.description)")
            if cell.contains(where: { !$0.correct }) { XCTAssertFalse(w.correct) }
        }
    }

    func testRunsAndResumedRunsAreIdentical() throws {
        let plan = try plan(threats: [.oblivious, .bpda, .worst])
        let first = try run(plan, to: "one.csv")
        XCTAssertEqual(first, try run(plan, to: "two.csv"), "the attacks are seeded")
        // Drop the last image's rows but one, then resume.
        let path = folder.appendingPathComponent("one.csv").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast(plan.rowsPerImage)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let file = try ResultsFile(path: path, settings: plan.recordedSettings, resume: true, validate: plan.problem(with:))
        _ = try Sweep(plan: plan, classifier: ToyClassifier(), source: ToyClassifier()).run(results: file)
        XCTAssertEqual(try ResultRow.readAll(path: path), first)
    }

    func testPlansThatCannotMakeRowsAreRefused() throws {
        for (threats, expected) in [([ThreatKind.worst], "worst needs at least one other threat"),
                                    ([.bpda], "bpda needs a codec setting"),
                                    ([.diffjpeg], "diffjpeg needs a JPEG setting")] {
            XCTAssertEqual(SweepPlan.problem(threats: threats, settings: threats == [.diffjpeg] ? [try CodecSetting(parsing: "webp:50")] : [],
                                             hasSourceModel: false).map { $0.contains(expected) }, true, "\(threats)")
        }
        XCTAssertNotNil(SweepPlan.problem(threats: [.transfer], settings: [], hasSourceModel: false))
        XCTAssertNil(SweepPlan.problem(threats: [.oblivious, .worst], settings: [], hasSourceModel: false))
    }

    func testSettingsTextRecordsAttacksThreatsLossAndSeed() throws {
        let text = try plan(threats: [.oblivious, .transfer]).recordedSettings
        XCTAssertTrue(text.contains("model: toy, source model toy-source"))
        XCTAssertTrue(text.contains("attacks: fgsm (steps 1, restarts 1), pgd (steps 3, restarts 1)"))
        XCTAssertTrue(text.contains("threats: oblivious,transfer"))
        XCTAssertTrue(text.contains("loss: margin, seed 7"))
    }
}
