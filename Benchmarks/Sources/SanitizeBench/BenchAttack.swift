import ArgumentParser
import Attacks
import Foundation
import Imaging
import Models

/// `sanitize-bench attack`: one PGD `bpda` attack through JPEG against the same loop in PyTorch + Pillow.
struct BenchAttack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Time PGD bpda through JPEG on one image against the same loop in PyTorch + Pillow (2 threads).",
        discussion: """
            Each run is PGD (random start, --steps steps of eps/8) with the bpda threat: every step \
            rounds the iterate, round-trips it through JPEG at --quality and takes EfficientNet-Lite0's \
            cross-entropy gradient at the decoded image. After one untimed warm-up, --runs runs are \
            timed and the median printed. The anchor is Benchmarks/anchors/pgd_bpda_torch.py, run in \
            the same invocation; the ratio is ours / PyTorch (the goal is at most 1/3).

            Example:
              sanitize-bench attack --image Fixtures/images/chelsea.png --runs 5
            """)

    @Option(help: "The image; its 224×224 model view is attacked.")
    var image = "Fixtures/images/chelsea.png"

    @Option(help: "Timed runs, at least 1.")
    var runs = 5

    @Option(help: "PGD steps.")
    var steps = PGD.defaultSteps

    @Option(help: "JPEG quality of the bpda threat.")
    var quality = 50

    @Option(help: "The budget in 8-bit levels.")
    var eps = 4

    @OptionGroup var anchorPython: AnchorOptions

    func validate() throws {
        guard runs >= 1, steps >= 1, (1...100).contains(quality), (1...255).contains(eps) else {
            throw ValidationError("--runs and --steps must be at least 1, --quality 1…100 and --eps 1…255")
        }
    }

    func run() throws {
        let model = try EfficientNetLite()
        let x0 = model.view(try ImageFile.read(image))
        let target = try model.target(clean: x0)
        let threat = BPDAThreat(model: model, setting: try CodecSetting(codec: .jpeg, quality: quality))
        let pgd = PGD(steps: steps)
        var seconds: [Double] = []
        var adversarial = x0
        for run in 0...runs {
            let start = DispatchTime.now()
            adversarial = try pgd.perturb(x0, eps: eps, threat: threat, loss: CrossEntropyLoss(), target: target, seed: UInt64(run))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            if run > 0 { seconds.append(elapsed) }
        }
        let ours = seconds.sorted()[seconds.count / 2]
        let after = Prediction(logits: try model.logits(try roundTrip(adversarial, threat.setting).decoded))
        print("PGD-\(steps) bpda through jpeg:\(quality), eps \(eps), one 224² image, median of \(runs)")
        print(String(format: "sanitize            %8.3f s  (%.1f ms/step; label %d → %d after JPEG)",
                     ours, 1000 * ours / Double(steps), target.label, after.label))
        guard let python = anchorPython.interpreter() else { return }
        guard let text = PythonAnchor.run(python: python, script: "Benchmarks/anchors/pgd_bpda_torch.py",
                                          arguments: ["--image", image, "--runs", String(runs), "--steps", String(steps),
                                                      "--quality", String(quality), "--eps", String(eps)]),
              let anchor = PythonAnchor.number(after: "\"median_seconds\": ", in: text)
        else {
            print("(PyTorch anchor did not report a time)")
            return
        }
        print(String(format: "PyTorch + Pillow    %8.3f s  ratio %.2f (goal ≤ 0.33)", anchor, ours / anchor))
    }
}
