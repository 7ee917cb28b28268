import Dispatch
import Foundation
import Imaging
import Metrics

/// An image the sweep could not use, with the reason; it is reported and the sweep goes on.
public struct SkippedImage: Sendable, CustomStringConvertible {
    /// The image's name.
    public var image: String
    /// Why it was skipped.
    public var reason: String
    /// `"<image>: <reason>"`.
    public var description: String { "\(image): \(reason)" }
}

/// How far a sweep has got, for the progress line.
public struct SweepProgress: Sendable {
    /// Images finished (written, skipped, or already in the file).
    public var imagesDone: Int
    /// Images in the sweep.
    public var imagesTotal: Int
    /// Rows written by this run.
    public var rowsWritten: Int
    /// Rows this run still has to write, at most.
    public var rowsRemaining: Int
    /// Seconds since this run started.
    public var seconds: Double
}

/// The paper's central experiment: attack, sanitise, classify, measure (PROTOCOL §3–6).
///
/// For each image: the model view x0, its clean prediction and the attacked label y, one input
/// gradient at x0, and for each eps the FGSM image, which each codec setting round-trips. The
/// classifier sees every decoded image; MS-SSIM and PSNR compare it with x0.
///
/// Images are processed a batch at a time, so memory does not grow with the number of images.
/// Codec round trips and metrics run on all cores; the classifier batches its own calls.
public final class Sweep {
    /// The plan this sweep carries out.
    public let plan: SweepPlan
    private let classifier: Classifier
    /// Images per batch: more amortises model calls, fewer bounds memory.
    public var batchSize = 4

    /// A sweep of `plan` with `classifier`.
    public init(plan: SweepPlan, classifier: Classifier) {
        self.plan = plan
        self.classifier = classifier
    }

    /// Runs the sweep over `images` (name, path), appending rows to `results`.
    ///
    /// Rows already in `results` (a resumed run) are not computed again. A bad image is skipped
    /// and returned; it never stops the sweep. Write failures stop it, with every row counted
    /// before the failure already in the file.
    public func run(images: [(name: String, path: String)], results: ResultsFile,
                    progress: (SweepProgress) -> Void = { _ in }) throws -> [SkippedImage] {
        let start = DispatchTime.now()
        var skipped: [SkippedImage] = []
        var written = 0
        var remaining = images.reduce(0) { total, item in
            total + expectedKeys(for: item.name).filter { !results.completed.contains($0) }.count
        }
        var done = 0
        var index = 0
        while index < images.count {
            let batch = Array(images[index..<min(index + batchSize, images.count)])
            index += batch.count
            let todo = batch.filter { item in expectedKeys(for: item.name).contains { !results.completed.contains($0) } }
            if !todo.isEmpty {
                let outcome = try process(todo, completed: results.completed)
                skipped += outcome.skipped
                for rows in outcome.rows {
                    let fresh = rows.filter { !results.completed.contains($0.key) }
                    try results.append(fresh)
                    written += fresh.count
                    remaining -= fresh.count
                }
                for s in outcome.skipped { remaining -= expectedKeys(for: s.image).count }
            }
            done += batch.count
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            progress(SweepProgress(imagesDone: done, imagesTotal: images.count, rowsWritten: written,
                                   rowsRemaining: max(0, remaining), seconds: seconds))
        }
        return skipped
    }

    /// The keys an image contributes, in row order.
    func expectedKeys(for image: String) -> [SweepKey] {
        plan.epsilons.flatMap { eps in
            plan.settings.map { SweepKey(image: image, eps: eps, codec: $0.codec.rawValue, quality: $0.quality) }
        }
    }

    // MARK: - One batch

    private struct Job {
        var image: Int
        var eps: Int
        var setting: CodecSetting
    }

    /// Computes the rows of a batch: one array of rows per usable image, in row order.
    private func process(_ batch: [(name: String, path: String)], completed: Set<SweepKey>) throws
        -> (rows: [[ResultRow]], skipped: [SkippedImage])
    {
        // Load and take the model view, on all cores.
        var loaded = [Result<RGBImage, Swift.Error>?](repeating: nil, count: batch.count)
        loaded.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                out[i] = Result { try ModelView.apply(ImageFile.read(batch[i].path)) }
            }
        }
        var skipped: [SkippedImage] = []
        var names: [String] = []
        var clean: [RGBImage] = []
        for (i, item) in batch.enumerated() {
            switch loaded[i]! {
            case .success(let image): names.append(item.name); clean.append(image)
            case .failure(let error): skipped.append(SkippedImage(image: item.name, reason: "\(error)"))
            }
        }
        guard !clean.isEmpty else { return ([], skipped) }

        // The attacked label: ground truth when given, else the clean top-1.
        let cleanLogits = try classifier.logits(clean)
        let labels = names.indices.map { i in
            plan.labels[names[i]] ?? plan.labels[(names[i] as NSString).lastPathComponent]
                ?? Prediction(logits: cleanLogits[i]).label
        }
        let gradients = plan.epsilons.contains { $0 > 0 }
            ? try classifier.inputGradients(clean, labels: labels)
            : clean.map { [Float](repeating: 0, count: $0.pixels.count) }

        var jobs: [Job] = []
        for i in clean.indices {
            for eps in plan.epsilons {
                for setting in plan.settings
                where !completed.contains(SweepKey(image: names[i], eps: eps, codec: setting.codec.rawValue, quality: setting.quality)) {
                    jobs.append(Job(image: i, eps: eps, setting: setting))
                }
            }
        }

        // Attack, sanitise and measure every job on all cores.
        struct Seen { var image: RGBImage; var bytes: Int; var msssim: Double; var psnr: Double }
        var seen = [Result<Seen, Swift.Error>?](repeating: nil, count: jobs.count)
        seen.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
                let job = jobs[j]
                out[j] = Result {
                    let adversarial = FGSM.perturb(clean[job.image], gradient: gradients[job.image], eps: job.eps)
                    let trip = try roundTrip(adversarial, job.setting)
                    return Seen(image: trip.decoded, bytes: trip.bytes,
                                msssim: try ImageQuality.msssim(clean[job.image], trip.decoded),
                                psnr: try ImageQuality.psnr(clean[job.image], trip.decoded))
                }
            }
        }

        // A codec failure on one image skips that image, not the sweep.
        var failed: [Int: String] = [:]
        var measured: [(job: Job, seen: Seen)] = []
        for (j, job) in jobs.enumerated() {
            switch seen[j]! {
            case .success(let s): measured.append((job, s))
            case .failure(let error): if failed[job.image] == nil { failed[job.image] = "\(error)" }
            }
        }
        measured.removeAll { failed[$0.job.image] != nil }
        let views = measured.map(\.seen.image)
        var logits: [[Float]] = []
        let chunk = 16
        for start in stride(from: 0, to: views.count, by: chunk) {
            logits += try classifier.logits(Array(views[start..<min(start + chunk, views.count)]))
        }

        var rows = [[ResultRow]](repeating: [], count: clean.count)
        for ((job, s), z) in zip(measured, logits) {
            let p = Prediction(logits: z)
            rows[job.image].append(ResultRow(
                image: names[job.image], label: labels[job.image], eps: job.eps,
                codec: job.setting.codec.rawValue, quality: job.setting.quality,
                bytes: s.bytes, bpp: 8 * Double(s.bytes) / Double(s.image.pixelCount),
                pred: p.label, confidence: p.confidence, msssim: s.msssim, psnr: s.psnr))
        }
        for (i, reason) in failed.sorted(by: { $0.key < $1.key }) {
            skipped.append(SkippedImage(image: names[i], reason: reason))
            rows[i] = []
        }
        return (rows.filter { !$0.isEmpty }, skipped)
    }
}
