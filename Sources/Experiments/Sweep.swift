import Dispatch
import Foundation
import Imaging
import Metrics
import _Support

/// An image the sweep could not use, with the reason; it is reported and the sweep goes on.
public struct SkippedImage: Sendable, CustomStringConvertible {
    /// The image's name.
    public var image: String
    /// Why it was skipped.
    public var reason: String
    /// Memberwise.
    public init(image: String, reason: String) {
        self.image = image
        self.reason = reason
    }
    /// `"<image>: <reason>"`, with the name escaped as ``PlatformPath/display(_:)`` does.
    public var description: String { "\(PlatformPath.display(image)): \(reason)" }
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

/// The paper's central experiment: attack, sanitise, classify, measure (docs/protocol.md §3–6).
///
/// For each image: the model view x0, its clean prediction and the attacked label y, one input
/// gradient at x0, and for each eps the FGSM image, which each codec setting round-trips. The
/// classifier sees every decoded image; MS-SSIM and PSNR compare it with x0.
///
/// Images are processed a batch at a time, so memory does not grow with the number of images.
/// Every image's preparation and every (image, eps, setting) job runs on one core, all cores
/// busy at once, so the classifier must accept calls from several threads.
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

    /// Runs the sweep over the plan's images, appending rows to `results`.
    ///
    /// Rows already in `results` (a resumed run) are not computed again. A bad image is skipped
    /// and returned; it never stops the sweep. Write failures stop it, with every row counted
    /// before the failure already in the file.
    public func run(results: ResultsFile, progress: (SweepProgress) -> Void = { _ in }) throws -> [SkippedImage] {
        let images = plan.images
        let start = DispatchTime.now()
        var skipped: [SkippedImage] = []
        var written = 0
        var remaining = images.reduce(0) { total, item in
            total + plan.keys(for: item.identity).filter { !results.completed.contains($0) }.count
        }
        var done = 0
        var index = 0
        while index < images.count {
            let batch = Array(images[index..<min(index + batchSize, images.count)])
            index += batch.count
            let todo = batch.filter { item in plan.keys(for: item.identity).contains { !results.completed.contains($0) } }
            if !todo.isEmpty {
                let outcome = try process(todo, completed: results.completed)
                skipped += outcome.skipped
                for rows in outcome.rows {
                    let fresh = rows.filter { !results.completed.contains($0.key) }
                    try results.append(fresh)
                    written += fresh.count
                    remaining -= fresh.count
                }
                for s in outcome.skipped {
                    remaining -= batch.first { $0.name == s.image }.map { plan.keys(for: $0.identity).count } ?? 0
                }
            }
            done += batch.count
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            progress(SweepProgress(imagesDone: done, imagesTotal: images.count, rowsWritten: written,
                                   rowsRemaining: max(0, remaining), seconds: seconds))
        }
        return skipped
    }

    // MARK: - One batch

    private struct Job {
        var image: Int
        var eps: Int
        var setting: CodecSetting
    }

    /// Computes the rows of a batch: one array of rows per usable image, in row order.
    private func process(_ batch: [SweepImage], completed: Set<SweepKey>) throws
        -> (rows: [[ResultRow]], skipped: [SkippedImage])
    {
        // Load and take the model view, on all cores.
        var loaded = [Result<RGBImage, Swift.Error>?](repeating: nil, count: batch.count)
        loaded.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(batch.count) { i in
                out[i] = Result {
                    let file = try ImageFile.readIdentified(batch[i].path)
                    guard file.sha256 == batch[i].sha256 else {
                        throw FileError(path: batch[i].path, reason: "the file changed while the sweep ran; rerun with --resume to include it")
                    }
                    return ModelView.apply(file.image)
                }
            }
        }
        var skipped: [SkippedImage] = []
        var names: [ImageIdentity] = []
        var clean: [RGBImage] = []
        for (i, item) in batch.enumerated() {
            switch loaded[i]! {
            case .success(let image): names.append(item.identity); clean.append(image)
            case .failure(let error): skipped.append(SkippedImage(image: item.name, reason: SweepImage.reason(error, path: item.path)))
            }
        }
        guard !clean.isEmpty else { return ([], skipped) }

        // The attacked label (ground truth when given, else the clean top-1) and one input
        // gradient per image, an image per core.
        let given = names.map { plan.label(for: $0.name) }
        let attacksAny = plan.epsilons.contains { $0 > 0 }
        var prepared = [Result<(label: Int, gradient: [Float]), Swift.Error>?](repeating: nil, count: clean.count)
        prepared.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(clean.count) { i in
                out[i] = Result {
                    let label = try given[i] ?? Prediction(logits: classifier.logits([clean[i]])[0]).label
                    let gradient = attacksAny ? try classifier.inputGradients([clean[i]], labels: [label])[0]
                        : [Float](repeating: 0, count: clean[i].pixels.count)
                    return (label, gradient)
                }
            }
        }
        let preparations = try prepared.map { try $0!.get() }
        let labels = preparations.map(\.label)

        var jobs: [Job] = []
        for i in clean.indices {
            for eps in plan.epsilons {
                for setting in plan.settings
                where !completed.contains(SweepKey(image: names[i], recipe: plan.recipe, eps: eps,
                                                   codec: setting.codec.rawValue, quality: setting.quality)) {
                    jobs.append(Job(image: i, eps: eps, setting: setting))
                }
            }
        }

        // Attack, sanitise, measure and classify every job, a job per core: a single image's
        // forward pass on one core keeps its activations in cache and needs no synchronisation,
        // which beats batching across both cores, and the codecs fill the gaps between passes.
        struct Seen { var pixelCount: Int; var bytes: Int; var msssim: Double; var psnr: Double; var logits: [Float] }
        var seen = [Result<Seen, Swift.Error>?](repeating: nil, count: jobs.count)
        seen.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(jobs.count) { j in
                let job = jobs[j]
                out[j] = Result {
                    let x0 = clean[job.image]
                    let adversarial = FGSM.perturb(x0, gradient: preparations[job.image].gradient, eps: job.eps)
                    let trip = try roundTrip(adversarial, job.setting)
                    return Seen(pixelCount: trip.decoded.pixelCount, bytes: trip.bytes,
                                msssim: try ImageQuality.msssim(x0, trip.decoded),
                                psnr: try ImageQuality.psnr(x0, trip.decoded),
                                logits: try classifier.logits([trip.decoded])[0])
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

        var rows = [[ResultRow]](repeating: [], count: clean.count)
        for (job, s) in measured {
            let p = Prediction(logits: s.logits)
            rows[job.image].append(ResultRow(
                image: names[job.image].name, imageSHA256: names[job.image].sha256, recipe: plan.recipe,
                eps: job.eps, codec: job.setting.codec.rawValue, quality: job.setting.quality, label: labels[job.image],
                bytes: s.bytes, bpp: 8 * Double(s.bytes) / Double(s.pixelCount),
                pred: p.label, confidence: p.confidence, msssim: s.msssim, psnr: s.psnr))
        }
        for (i, reason) in failed.sorted(by: { $0.key < $1.key }) {
            skipped.append(SkippedImage(image: names[i].name, reason: reason))
            rows[i] = []
        }
        return (rows.filter { !$0.isEmpty }, skipped)
    }
}
