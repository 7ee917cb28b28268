import Attacks
import Experiments
import Imaging
import Models
import XCTest
import _TestSupport

/// Carlini et al. (2019)'s sanity checks on a small adaptive sweep with the real model and codecs.
final class AdaptiveSanityTests: XCTestCase {
    func testASmallAdaptiveSweepPassesTheSanityChecks() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        let files = ["chelsea.png", "coffee.png"].map { ($0, fixtures.appendingPathComponent($0).path) }
        let plan = try SweepPlan(images: SweepImage.identify(files).images, model: "efficientnet-lite0",
                                 attacks: [FGSM(), PGD(steps: 5)], threats: [.oblivious, .bpda, .worst],
                                 epsilons: [0, 2, 255], settings: ["jpeg:50", "webp:50", "jpeg2000:20"].map(CodecSetting.init(parsing:)),
                                 weights: "test")
        let path = folder.appendingPathComponent("r.csv").path
        let file = try ResultsFile(path: path, settings: plan.recordedSettings, resume: false, validate: plan.problem(with:))
        XCTAssertTrue(try Sweep(plan: plan, classifier: EfficientNetLite()).run(results: file).isEmpty)
        let summary = SummaryRow.summarize(try ResultRow.readAll(path: path))
        XCTAssertEqual(SanityChecks.violations(summary), [])
        let bpda255 = summary.filter { $0.recipe.threat == "bpda" && $0.eps == 255 }
        XCTAssertEqual(bpda255.count, 6)
    }

    func testTheChecksCatchAWorstThatIsNotTheWorst() {
        func row(_ attack: String, _ threat: String, eps: Int, accuracy: Double) -> SummaryRow {
            SummaryRow(recipe: AttackRecipe(model: "m", attack: attack, loss: "ce", threat: threat, steps: 1, restarts: 1, seed: 0),
                       eps: eps, codec: "jpeg", quality: 50, images: 10, accuracy: accuracy, meanBPP: 1, meanMSSSIM: 1,
                       meanSignedConfidence: 0)
        }
        let summary = [row("fgsm", "bpda", eps: 4, accuracy: 0.2), row("pgd", "bpda", eps: 4, accuracy: 0.3),
                       row("pgd", "bpda", eps: 8, accuracy: 0.4), row("any", "worst", eps: 4, accuracy: 0.25),
                       row("fgsm", "bpda", eps: 255, accuracy: 0.1)]
        let found = SanityChecks.violations(summary)
        XCTAssertTrue(found.contains { $0.hasPrefix("worst (25.0%) is above fgsm bpda (20.0%)") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("accuracy rises from 30.0% at eps 4 to 40.0% at eps 8") }, "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("PGD bpda (30.0%) is above FGSM bpda (20.0%)") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("keeps 10.0% at eps 255") }, "\(found)")
    }
}
