import ArgumentParser
import Experiments
import Foundation
import Imaging
import Metrics
import Models
import _Support

/// `sanitize attack`: one FGSM image, with what it does to the classifier (docs/protocol.md §3).
struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attack one image with FGSM and write the adversarial image as a lossless PNG.",
        discussion: """
            x_adv = clip(x0 + eps · sign(∇ₓ CE(f(x0), y)), 0, 255) on the 224×224 model view x0. \
            y is --label when given, else the clean top-1 prediction. Prints the clean and \
            adversarial top-1 with probabilities, the L∞ norm, the number of changed pixels, and \
            the PSNR and MS-SSIM of x_adv against x0.

            Example:
              sanitize attack Fixtures/images/chelsea.png --eps 4 --output adv.png --figure fig.svg
            """)

    @Argument(help: "The image to attack (PNG, JPEG, WebP or JPEG 2000).")
    var image: String

    @Option(help: "The budget in 8-bit levels: --eps 4 means ±4/255.")
    var eps: Int?

    @Option(name: .customLong("eps-bits"), help: "The budget that fits in k least significant bits: eps = 2^k − 1.")
    var epsBits: Int?

    @Option(help: "The ground-truth ImageNet class 0…999 to attack; default: the clean top-1.")
    var label: Int?

    @Option(help: "Where to write x_adv (8-bit PNG, lossless).")
    var output: String

    @Option(help: "Also write a figure like the paper's Fig. 1 (SVG): clean, amplified perturbation, adversarial, sanitised.")
    var figure: String?

    @Option(name: .customLong("figure-codec"), help: "The codec setting that sanitises the figure's last panel.")
    var figureCodec: String = "jpeg:50"

    @Option(name: .customLong("save-gradient"),
            help: "Also write ∇ₓ CE(f(x0), y) and the clean logits as raw little-endian float32 (224×224×3 HWC, then 1000).")
    var saveGradient: String?

    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard (eps == nil) != (epsBits == nil) else { throw ValidationError("give exactly one of --eps and --eps-bits") }
        if let eps, !(0...255).contains(eps) { throw ValidationError("--eps must be 0…255 levels, got \(eps)") }
        if let epsBits, !(1...8).contains(epsBits) { throw ValidationError("--eps-bits must be 1…8, got \(epsBits)") }
        if let label, !(0..<1000).contains(label) { throw ValidationError("--label must be a class 0…999, got \(label)") }
        let settings = try CodecSetting.parseList(figureCodec)
        guard settings.count == 1 else { throw ValidationError("--figure-codec takes one setting, e.g. jpeg:50; got '\(figureCodec)'") }
    }

    func run() throws {
        let budget = eps ?? FGSM.budget(bits: epsBits!)
        let outputs = [OutputFiles.Role("--output", output)] + [("--figure", figure), ("--save-gradient", saveGradient)]
            .compactMap { name, path in path.map { OutputFiles.Role(name, $0) } }
        for o in outputs { try OutputFiles.checkWritable(o.path, option: o.name) }
        try OutputFiles.checkDistinct(outputs: outputs, inputs: [.init("image", image), .init("--weights file", try model.weightsPath())])

        let clean = try ModelView.apply(ImageFile.read(image))
        let classifier = try model.load()
        let cleanLogits = try classifier.logits([clean])[0]
        let cleanPrediction = Prediction(logits: cleanLogits)
        let y = label ?? cleanPrediction.label
        let gradient = try classifier.inputGradients([clean], labels: [y])[0]
        let adversarial = FGSM.perturb(clean, gradient: gradient, eps: budget)
        let adversarialPrediction = Prediction(logits: try classifier.logits([adversarial])[0])
        let distance = PerturbationSize(clean: clean, adversarial: adversarial)
        var svg: String?
        if figure != nil {
            let setting = try CodecSetting.parseList(figureCodec)[0]
            let sanitised = try roundTrip(adversarial, setting).decoded
            let sanitisedPrediction = Prediction(logits: try classifier.logits([sanitised])[0])
            svg = try AttackFigure(
                clean: clean, adversarial: adversarial, sanitised: sanitised, eps: budget,
                captions: [caption("clean", cleanPrediction), "perturbation ×\(AttackFigure.amplification(eps: budget))",
                           caption("FGSM eps \(budget)", adversarialPrediction),
                           caption("\(setting)", sanitisedPrediction)]).svg()
        }

        // Everything is computed; now the outputs, each written atomically.
        try ImageFile.writePNG(adversarial, to: output)
        if let saveGradient {
            let values = gradient + cleanLogits
            try AtomicFile.write(values.withUnsafeBytes { Array($0) }, to: saveGradient)
        }
        if let figure, let svg { try AtomicFile.write(svg, to: figure) }

        print("attacked label: \(y) \(className(y))\(label == nil ? " (clean top-1)" : "")")
        print("clean:       \(describe(cleanPrediction))")
        print("adversarial: \(describe(adversarialPrediction))")
        print("eps: \(budget) levels, L∞: \(distance.linf), changed pixels: \(distance.changedPixels) of \(clean.pixelCount)")
        print(String(format: "PSNR: %.2f dB, MS-SSIM: %.6f", try ImageQuality.psnr(clean, adversarial),
                     try ImageQuality.msssim(clean, adversarial)))
        for o in outputs { print("wrote \(PlatformPath.display(o.path))") }
    }

    private func className(_ k: Int) -> String { "\"\(imageNetClassNames[k])\"" }
    private func describe(_ p: Prediction) -> String {
        String(format: "%d %@ p=%.4f", p.label, className(p.label), p.confidence)
    }
    private func caption(_ title: String, _ p: Prediction) -> String {
        String(format: "%@: %@ (%.2f)", title, imageNetClassNames[p.label], p.confidence)
    }
}
