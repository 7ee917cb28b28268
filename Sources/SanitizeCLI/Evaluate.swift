import ArgumentParser
import Attacks
import Experiments
import Foundation
import Imaging
import Models
import _Support

/// `sanitize evaluate`: the accuracy-vs-epsilon-vs-quality sweep (docs/protocol.md §6–7).
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attack images, sanitise them with codecs, classify, and write a results CSV.",
        discussion: """
            For every image (the model view of docs/protocol.md §1), every attack × threat, every eps \
            and every codec setting the threat applies to (plus the 'none' baseline), one row of \
            results format 2: image,image_sha256,model,attack,\
            loss,threat,steps,restarts,seed,eps,codec,quality,label,bytes,bpp,pred,confidence,correct,\
            signed_confidence,msssim,psnr. An image is named by its path, or its folder joined with \
            its file name, and identified with the SHA-256 of its bytes. Rows are appended whole, so \
            an interrupted sweep is continued with --resume, which keeps only the rows of this sweep. \
            The output is locked while a run writes it. A bad or special file is reported and skipped; \
            every file is decoded in a child process, so no file can stop the sweep. At the end the \
            summary CSV is written and an accuracy table (eps × codec:quality) printed.

            Example:
              sanitize evaluate Fixtures/images --eps 0,1,2,4,8,16 --codec jpeg:10,25,50,75,90 \\
                  --codec webp:10,50,90 --codec jpeg2000:100,50,20,10 --output results.csv
              sanitize evaluate Fixtures/images --eps 0,4 --codec jpeg:25,50,75 --attack fgsm,pgd \\
                  --threat oblivious,bpda,eot,bpda-diffjpeg,worst --output adaptive.csv
            """)

    @Argument(help: "Image files, or folders whose files are all swept (sorted by name).")
    var inputs: [String]

    @Option(help: "Attack budgets in 8-bit levels, comma-separated (0 is the clean image).")
    var eps: String = "0,1,2,4,8,16"

    @Option(name: .customLong("eps-bits"),
            help: "Also sweep the budgets that fit in k least significant bits (2^k − 1 levels), comma-separated.")
    var epsBits: String?

    @Option(name: .customLong("codec"),
            help: "A codec and its settings, e.g. jpeg:10,50,90, webp:50 or jpeg2000:100,20 (compression ratios). Repeatable; 'none' is always included.")
    var codecs: [String] = []

    @Option(help: "The results CSV, one row per image × eps × codec × quality.")
    var output: String

    @Option(help: "The summary CSV, one row per eps × codec × quality (default: <output> with '-summary' before '.csv').")
    var summary: String?

    @Option(help: "A CSV 'image,label' of ground-truth ImageNet classes; otherwise the clean top-1 is attacked.")
    var labels: String?

    @Flag(help: "Continue an interrupted sweep with the same settings: completed rows are kept and skipped.")
    var resume = false

    @Option(help: "Images per batch; larger batches amortise model calls, smaller ones bound memory.")
    var batchSize = 4

    @OptionGroup var model: ModelOptions

    @OptionGroup var attack: AttackOptions

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("--output is empty; give a file path for the results CSV") }
        _ = try epsilons()
        _ = try settings()
        _ = try attack.attacks()
        _ = try attack.chosenLoss()
        if let problem = SweepPlan.problem(threats: try attack.threats(), settings: try settings(),
                                           hasSourceModel: attack.sourceModel != nil) {
            throw ValidationError(problem)
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    /// The budgets from --eps and --eps-bits, in the order given.
    func epsilons() throws -> [Int] {
        var values: [Int] = []
        for part in eps.split(separator: ",") {
            guard let v = Int(part.trimmingCharacters(in: .whitespaces)), (0...255).contains(v) else {
                throw ValidationError("--eps takes levels 0…255 separated by commas; '\(part)' is not one")
            }
            values.append(v)
        }
        for part in (epsBits ?? "").split(separator: ",") {
            guard let k = Int(part.trimmingCharacters(in: .whitespaces)), (1...8).contains(k) else {
                throw ValidationError("--eps-bits takes bit counts 1…8 separated by commas; '\(part)' is not one")
            }
            values.append(FGSM.budget(bits: k))
        }
        guard !values.isEmpty else { throw ValidationError("--eps needs at least one budget") }
        return values
    }

    /// The codec settings from every --codec option.
    func settings() throws -> [CodecSetting] {
        try codecs.flatMap { try CodecSetting.parseList($0) }
    }

    func run() throws {
        let summaryPath = summary ?? ResultsFile.defaultSummaryPath(for: output)
        let weightsPath = try model.weightsPath()
        let listing = try SweepImage.list(inputs)
        try ResultsFile.checkOutputs(
            results: output, summary: summaryPath,
            inputs: [.init("--weights file", weightsPath)] + (labels.map { [.init("--labels file", $0)] } ?? [])
                + listing.files.map { .init("image", $0.path) })
        let labelMap = try labels.map { try SweepPlan.readLabels(path: $0) } ?? [:]
        let classifier = try model.load()
        let source = try attack.loadSource()
        let identified = SweepImage.identify(listing.files)
        let weights = try model.weightsDescription()
            + (try attack.sourceModel.map { "; source: " + (try WeightsLocation.description(of: nil, variant: $0)) } ?? "")
        let plan = try SweepPlan(
            images: identified.images, model: classifier.name, attacks: try attack.attacks(),
            threats: try attack.threats(), loss: try attack.chosenLoss(), seed: attack.seed,
            sourceModel: source?.name, epsilons: try epsilons(), settings: try settings(),
            labels: labelMap, labelsPath: labels ?? "", weights: weights)
        let results = try ResultsFile(path: output, settings: plan.recordedSettings, resume: resume,
                                      validate: plan.problem(with:))
        try Provenance.record(Provenance.block(tool: "sanitize \(Sanitize.configuration.version)", weights: plan.weights),
                              for: output)
        if let repaired = results.repaired { warn("resuming \(PlatformPath.display(output)): dropped \(repaired)") }
        let sweep = Sweep(plan: plan, classifier: classifier, source: source)
        sweep.batchSize = batchSize

        let line = ProgressLine(label: "evaluate")
        let skipped = listing.skipped + identified.skipped + (try sweep.run(results: results) { p in
            let rate = Double(p.rowsWritten) / max(p.seconds, 1e-9)
            let percent = p.workTotal > 0 ? 100 * p.workDone / p.workTotal : 100
            line.update("\(p.imagesDone)/\(p.imagesTotal) images, \(p.rowsWritten) rows, "
                + String(format: "%.1f rows/s, %.0f%%, ETA %@", rate, percent, p.secondsLeft.map(ProgressLine.duration) ?? "…"))
        })
        line.finish()

        var accumulator = SummaryAccumulator()
        try ResultRow.forEach(path: output) { accumulator.add($0) }
        let table = accumulator.summary
        try AtomicFile.write(SummaryRow.csv(table), to: summaryPath)
        print("Accuracy (%), \(table.map(\.images).max() ?? 0) images; rows in \(PlatformPath.display(output)), "
            + "summary in \(PlatformPath.display(summaryPath))")
        print(SummaryRow.threatTables(table))
        for problem in SanityChecks.violations(table) { warn("sanity check: \(problem)") }
        for s in skipped { warn("skipped \(s)") }
        if !skipped.isEmpty { warn("\(skipped.count) image(s) skipped; the other rows are complete") }
    }
}
