import Attacks
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
    /// The work this run has done, in images, counting the adversarial images made so far of the
    /// batch in progress as a fraction of it.
    public var workDone: Double
    /// The work of this run, in images: those with at least one row missing.
    public var workTotal: Double

    /// The seconds left at the pace so far, or nil before any work is done.
    public var secondsLeft: Double? {
        workDone > 0 ? seconds * max(0, workTotal - workDone) / workDone : nil
    }
}

/// The paper's central experiment, with adaptive attackers: attack, sanitise, classify, measure
/// (docs/protocol.md §3–6).
///
/// For each image: the model view x0, its clean prediction and the attacked label y; for each
/// attack × threat × eps, the adversarial images the threat calls for (one for every setting at
/// once, one per setting, or one per codec family), each round-tripped by the settings it is
/// scored at. The classifier sees every decoded image; MS-SSIM and PSNR compare it with x0.
/// `worst` rows take, per eps and setting, the row of the other threats with the lowest signed
/// confidence.
///
/// Images are processed a batch at a time, so memory does not grow with the number of images.
/// Every adversarial image and every scored row is a job on one core, all cores busy at once, so
/// the classifiers must accept calls from several threads.
public final class Sweep {
    /// The plan this sweep carries out.
    public let plan: SweepPlan
    private let classifier: any Classifier
    private let source: (any Classifier)?
    /// Images per batch: more keeps the cores busy, fewer bounds memory.
    public var batchSize = 4

    /// A sweep of `plan` scored with `classifier`; `source` is the surrogate of the `transfer`
    /// threat, required when the plan has it.
    public init(plan: SweepPlan, classifier: any Classifier, source: (any Classifier)? = nil) {
        precondition(!plan.threats.contains(.transfer) || source != nil, "Sweep: the transfer threat needs a source model")
        self.plan = plan
        self.classifier = classifier
        self.source = source
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
        let workTotal = Double(images.filter { item in plan.keys(for: item.identity).contains { !results.completed.contains($0) } }.count)
        var workDone = 0.0
        let lock = NSLock()
        func report(within batchWork: Double) {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            progress(SweepProgress(imagesDone: done, imagesTotal: images.count, rowsWritten: written,
                                   rowsRemaining: max(0, remaining), seconds: seconds,
                                   workDone: workDone + batchWork, workTotal: workTotal))
        }
        while index < images.count {
            let batch = Array(images[index..<min(index + batchSize, images.count)])
            index += batch.count
            let todo = batch.filter { item in plan.keys(for: item.identity).contains { !results.completed.contains($0) } }
            if !todo.isEmpty {
                let outcome = try process(todo, completed: results.completed) { fraction in
                    lock.lock()
                    defer { lock.unlock() }
                    report(within: fraction * Double(todo.count))
                }
                workDone += Double(todo.count)
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
            report(within: 0)
        }
        return skipped
    }

    // MARK: - One batch

    /// One adversarial image to make: for an image, a recipe, an eps and a scope (`all`, a setting
    /// or a codec family, see ``ThreatKind/craftingScope(for:)``).
    private struct Craft: Hashable {
        var image: Int
        var recipe: Int
        var eps: Int
        var scope: String
    }

    /// One row to score: the key's parts and the adversarial image it reads.
    private struct Job {
        var image: Int
        var recipe: Int
        var eps: Int
        var setting: CodecSetting
        var craft: Craft
    }

    /// Computes the rows of a batch: one array of rows per usable image, in row order.
    /// `madeShare(f)` is called, from any thread, as the adversarial images are made: f is the
    /// share of them made so far (they are most of a batch's work).
    private func process(_ batch: [SweepImage], completed: Set<SweepKey>, madeShare: (Double) -> Void) throws
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
                    return classifier.view(file.image)
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

        // The attacked label (ground truth when given, else the clean top-1) and each model's
        // clean probabilities, an image per core.
        let given = names.map { plan.label(for: $0.name) }
        var prepared = [Result<(target: LossTarget, sourceTarget: LossTarget?), Swift.Error>?](repeating: nil, count: clean.count)
        prepared.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(clean.count) { i in
                out[i] = Result {
                    let target = try classifier.target(clean: clean[i], label: given[i])
                    let sourceTarget = try source.map { try $0.target(clean: clean[i], label: target.label) }
                    return (target, sourceTarget)
                }
            }
        }
        let targets = try prepared.map { try $0!.get() }

        // Every row of an image with a missing row is computed again (the attacks are seeded,
        // so the kept rows come out identical), because `worst` reads all of an image's rows.
        var jobs: [Job] = []
        for i in clean.indices where plan.keys(for: names[i]).contains(where: { !completed.contains($0) }) {
            for (r, recipe) in plan.recipes.enumerated() {
                let threat = plan.threat(of: recipe)
                guard threat != .worst else { continue }
                for eps in plan.epsilons {
                    for setting in plan.settings where threat.applies(to: setting) {
                        // Every eps-0 image is x0 itself: one craft, scored once per setting.
                        let craft = eps == 0 ? Craft(image: i, recipe: -1, eps: 0, scope: "clean")
                            : Craft(image: i, recipe: r, eps: eps, scope: threat.craftingScope(for: setting)!)
                        jobs.append(Job(image: i, recipe: r, eps: eps, setting: setting, craft: craft))
                    }
                }
            }
        }
        var crafts: [Craft] = []
        var craftIndex: [Craft: Int] = [:]
        for job in jobs where craftIndex[job.craft] == nil {
            craftIndex[job.craft] = crafts.count
            crafts.append(job.craft)
        }

        // The adversarial images, one per core at a time.
        var made = [Result<RGBImage, Swift.Error>?](repeating: nil, count: crafts.count)
        let counter = NSLock()
        var finished = 0
        let slow = crafts.filter { $0.recipe >= 0 }.count
        made.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(crafts.count) { c in
                out[c] = Result { try self.craft(crafts[c], clean: clean, names: names, targets: targets) }
                guard crafts[c].recipe >= 0 else { return }
                counter.lock()
                finished += 1
                let share = Double(finished) / Double(max(1, slow))
                counter.unlock()
                madeShare(0.9 * share)
            }
        }

        // Sanitise, measure and classify every distinct (image, setting) pair once.
        struct Seen { var pixelCount: Int; var bytes: Int; var msssim: Double; var psnr: Double; var logits: [Float] }
        struct Scoring: Hashable { var craft: Int; var setting: String }
        var scorings: [Scoring] = []
        var scoringIndex: [Scoring: Int] = [:]
        var settingOf: [String: CodecSetting] = [:]
        for job in jobs {
            let key = Scoring(craft: craftIndex[job.craft]!, setting: job.setting.description)
            settingOf[key.setting] = job.setting
            if scoringIndex[key] == nil { scoringIndex[key] = scorings.count; scorings.append(key) }
        }
        var seen = [Result<Seen, Swift.Error>?](repeating: nil, count: scorings.count)
        seen.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(scorings.count) { j in
                out[j] = Result {
                    let adversarial = try made[scorings[j].craft]!.get()
                    let x0 = clean[crafts[scorings[j].craft].image]
                    let trip = try roundTrip(adversarial, settingOf[scorings[j].setting]!)
                    return Seen(pixelCount: trip.decoded.pixelCount, bytes: trip.bytes,
                                msssim: try ImageQuality.msssim(x0, trip.decoded),
                                psnr: try ImageQuality.psnr(x0, trip.decoded),
                                logits: try classifier.logits(trip.decoded))
                }
            }
        }

        // A failure on one image skips that image, not the sweep.
        var failed: [Int: String] = [:]
        var rows = [[ResultRow]](repeating: [], count: clean.count)
        for job in jobs {
            switch seen[scoringIndex[Scoring(craft: craftIndex[job.craft]!, setting: job.setting.description)]!]! {
            case .success(let s):
                let p = Prediction(logits: s.logits)
                rows[job.image].append(ResultRow(
                    image: names[job.image].name, imageSHA256: names[job.image].sha256, recipe: plan.recipes[job.recipe],
                    eps: job.eps, codec: job.setting.codec.rawValue, quality: job.setting.quality,
                    label: targets[job.image].target.label, bytes: s.bytes, bpp: 8 * Double(s.bytes) / Double(s.pixelCount),
                    pred: p.label, confidence: p.confidence, msssim: s.msssim, psnr: s.psnr))
            case .failure(let error):
                if failed[job.image] == nil { failed[job.image] = "\(error)" }
            }
        }
        for i in rows.indices where failed[i] == nil && !rows[i].isEmpty {
            rows[i] += worstRows(of: rows[i])
        }
        for (i, reason) in failed.sorted(by: { $0.key < $1.key }) {
            skipped.append(SkippedImage(image: names[i].name, reason: reason))
            rows[i] = []
        }
        return (rows.filter { !$0.isEmpty }, skipped)
    }

    /// Makes one adversarial image.
    private func craft(_ craft: Craft, clean: [RGBImage], names: [ImageIdentity],
                       targets: [(target: LossTarget, sourceTarget: LossTarget?)]) throws -> RGBImage {
        let x0 = clean[craft.image]
        guard craft.recipe >= 0 else { return x0 }
        let recipe = plan.recipes[craft.recipe]
        let attack = plan.attacks.first { $0.name == recipe.attack }!
        let kind = plan.threat(of: recipe)
        let target = kind == .transfer ? targets[craft.image].sourceTarget! : targets[craft.image].target
        // The scope is a setting's text (bpda and the JPEG threats), a codec family's name (eot) or `all`.
        let through = plan.settings.filter { $0.description == craft.scope || $0.codec.rawValue == craft.scope }
        let threat = kind.threat(model: classifier, source: source, settings: through)
        let seed = AttackSeed.derive(plan.seed, [names[craft.image].sha256, recipe.attack, recipe.threat,
                                                 String(craft.eps), craft.scope])
        return try attack.perturb(x0, eps: craft.eps, threat: threat, loss: plan.loss, target: target, seed: seed)
    }

    /// The `worst` rows of one image: per eps and setting, the other rows' lowest signed confidence.
    private func worstRows(of rows: [ResultRow]) -> [ResultRow] {
        guard let worst = plan.recipes.first(where: { plan.threat(of: $0) == .worst }) else { return [] }
        var out: [ResultRow] = []
        for eps in plan.epsilons {
            for setting in plan.settings {
                let cell = rows.filter { $0.eps == eps && $0.codec == setting.codec.rawValue && $0.quality == setting.quality }
                guard var chosen = cell.min(by: { $0.signedConfidence < $1.signedConfidence }) else { continue }
                chosen.recipe = worst
                out.append(chosen)
            }
        }
        return out
    }
}
