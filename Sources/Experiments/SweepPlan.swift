import Attacks
import Foundation
import Imaging
import _Support

/// An image file of a sweep: its name in the results, its path, and its identity.
public struct SweepImage: Sendable {
    /// The name in the `image` column: the path as given, or the folder joined with the entry.
    public var name: String
    /// Where to read it.
    public var path: String
    /// SHA-256 of its bytes when it was listed.
    public var sha256: String

    /// Memberwise.
    public init(name: String, path: String, sha256: String) {
        self.name = name
        self.path = path
        self.sha256 = sha256
    }

    /// The name and hash that identify the image's rows.
    public var identity: ImageIdentity { ImageIdentity(name: name, sha256: sha256) }

    /// The image files of command-line inputs: each file as given, and each folder's regular,
    /// non-hidden files sorted by name, named by the folder joined with the entry so that two
    /// folders holding the same file name never collide.
    ///
    /// Entries that are not regular files (FIFOs, sockets, devices, dangling links, link loops) are
    /// returned as skipped with the reason, never dropped silently. Throws ``FileError`` for an input
    /// that does not exist, and when no image file is found at all.
    public static func list(_ inputs: [String]) throws -> (files: [(name: String, path: String)], skipped: [SkippedImage]) {
        var files: [(name: String, path: String)] = []
        var skipped: [SkippedImage] = []
        for input in inputs {
            switch Files.kind(input) {
            case .directory:
                let listing = try Files.listFolder(input)
                files += listing.files.map { (PlatformPath.join(input, $0), PlatformPath.join(input, $0)) }
                skipped += listing.problems.map { SkippedImage(image: PlatformPath.join(input, $0.name), reason: $0.reason) }
            case .missing:
                throw FileError(path: input, reason: "no such file or folder")
            default:
                files.append((input, input))
            }
        }
        guard !files.isEmpty else {
            let what = inputs.map { "'\(PlatformPath.display($0))'" }.joined(separator: " ")
            throw ResultsFileError(description: "no image files found in \(what)"
                + (skipped.isEmpty ? "" : "; not usable: " + skipped.map(\.description).joined(separator: "; ")))
        }
        return (files, skipped)
    }

    /// Reads and hashes each file, on all cores. Files that cannot be read (missing, a FIFO, too
    /// large) are returned as skipped, with the reason, instead of stopping the sweep.
    public static func identify(_ files: [(name: String, path: String)]) -> (images: [SweepImage], skipped: [SkippedImage]) {
        var hashes = [Result<String, Swift.Error>?](repeating: nil, count: files.count)
        hashes.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(files.count) { i in
                out[i] = Result { sha256Hex(try Files.read(files[i].path, limit: ImageFile.maxFileBytes)) }
            }
        }
        var images: [SweepImage] = []
        var skipped: [SkippedImage] = []
        for (i, file) in files.enumerated() {
            switch hashes[i]! {
            case .success(let hash): images.append(SweepImage(name: file.name, path: file.path, sha256: hash))
            case .failure(let error): skipped.append(SkippedImage(image: file.name, reason: reason(error, path: file.path)))
            }
        }
        return (images, skipped)
    }

    /// The reason of a file error without the path the skipped-image line already shows.
    static func reason(_ error: Swift.Error, path: String) -> String {
        if let error = error as? FileError, error.path == path { return error.reason }
        return "\(error)"
    }
}

/// What one sweep does: which images, model, attacks, threats, loss, budgets, codec settings
/// and labels. The plan is the product image × attack × threat × eps × setting, where each
/// threat keeps the settings it applies to (``ThreatKind/applies(to:)``).
///
/// Rows come out in a fixed order: image (as listed), then attack × threat (as given, `worst`
/// last), eps (as given), and `none` followed by the codec settings (as given). That order, and
/// the seeded, deterministic pipeline, make two runs — or a run and a resumed run — write
/// identical CSVs.
public struct SweepPlan {
    /// The images, in row order, without repeated names.
    public let images: [SweepImage]
    /// Each image's SHA-256 by name, for checking the rows of a resumed file.
    private let hashByName: [String: String]
    /// The scored model's name.
    public let model: String
    /// The surrogate model of the `transfer` threat, when there is one.
    public let sourceModel: String?
    /// The attacks, in the order given.
    public let attacks: [any Attack]
    /// The threats, in the order given, `worst` last.
    public let threats: [ThreatKind]
    /// The loss every attack ascends.
    public let loss: any Loss
    /// The run's seed; every attack's randomness is derived from it and the row's key.
    public let seed: Int
    /// The recipes of the rows: attack × threat, then `worst` when asked for.
    public let recipes: [AttackRecipe]
    /// Attack budgets in 8-bit levels, in the order given, without repeats.
    public let epsilons: [Int]
    /// The codec settings, `none` first, without repeats.
    public let settings: [CodecSetting]
    /// Ground-truth labels by image name (as listed, or the file name); empty to attack each
    /// image's clean top-1. When given, every image has one.
    public let labels: [String: Int]
    /// A description of the classifiers' weights (name and checksum), recorded with the settings.
    public let weights: String

    /// Builds a plan; `none` is added as the baseline when absent and repeats are dropped.
    ///
    /// Throws ``ResultsFileError`` when the threats cannot make rows (`worst` alone, `transfer`
    /// without a source model, a codec-aware threat without a codec it applies to), or when labels
    /// are given but some image has none, naming the images.
    public init(images: [SweepImage], model: String, attacks: [any Attack] = [FGSM()],
                threats: [ThreatKind] = [.oblivious], loss: any Loss = Losses.standard, seed: Int = 0,
                sourceModel: String? = nil, epsilons: [Int], settings: [CodecSetting],
                labels: [String: Int] = [:], labelsPath: String = "the labels file", weights: String) throws {
        var seenNames = Set<String>()
        self.images = images.filter { seenNames.insert($0.name).inserted }
        hashByName = Dictionary(uniqueKeysWithValues: self.images.map { ($0.name, $0.sha256) })
        self.model = model
        self.sourceModel = sourceModel
        var seenAttacks = Set<String>()
        self.attacks = attacks.filter { seenAttacks.insert($0.name).inserted }
        var seenThreats = Set<ThreatKind>()
        let unique = threats.filter { seenThreats.insert($0).inserted }
        self.threats = unique.filter { $0 != .worst } + (unique.contains(.worst) ? [.worst] : [])
        self.loss = loss
        self.seed = seed
        var seenEps = Set<Int>()
        self.epsilons = epsilons.filter { seenEps.insert($0).inserted }
        let baseline = try CodecSetting(codec: .none, quality: 0)
        var seen = Set<String>()
        self.settings = ([baseline] + settings).filter { seen.insert($0.description).inserted }
        self.labels = labels
        self.weights = weights
        var recipes: [AttackRecipe] = []
        for attack in self.attacks {
            for threat in self.threats where threat != .worst {
                recipes.append(AttackRecipe(model: model, attack: attack.name, loss: loss.name, threat: threat.name,
                                            steps: attack.steps, restarts: attack.restarts,
                                            seed: attack is PGD ? seed : 0))
            }
        }
        if self.threats.contains(.worst) {
            recipes.append(AttackRecipe(model: model, attack: "any", loss: loss.name, threat: ThreatKind.worst.name,
                                        steps: self.attacks.map(\.steps).max() ?? 1,
                                        restarts: self.attacks.map(\.restarts).max() ?? 1, seed: seed))
        }
        self.recipes = recipes
        try checkThreats()
        if !labels.isEmpty {
            let unlabelled = self.images.filter { label(for: $0.name) == nil }.map(\.name)
            guard unlabelled.isEmpty else {
                let examples = unlabelled.prefix(3).map { "'\(PlatformPath.display($0))'" }.joined(separator: ", ")
                throw ResultsFileError(description: """
                    \(PlatformPath.display(labelsPath)) has no label for \(unlabelled.count) of the \(self.images.count) \
                    images (\(examples)\(unlabelled.count > 3 ? ", …" : "")); an entry must name the image as listed \
                    or by its file name. Add them, or leave out --labels to attack each clean top-1
                    """)
            }
        }
    }

    private func checkThreats() throws {
        guard !attacks.isEmpty else { throw ResultsFileError(description: "the sweep needs at least one attack (fgsm, pgd)") }
        if let problem = Self.problem(threats: threats, settings: settings, hasSourceModel: sourceModel != nil) {
            throw ResultsFileError(description: problem)
        }
    }

    /// Why `threats` cannot make rows with `settings` (`none` is always swept), or nil when they can:
    /// `worst` alone, `transfer` without a source model, or a codec-aware threat without a codec it
    /// applies to.
    public static func problem(threats: [ThreatKind], settings: [CodecSetting], hasSourceModel: Bool) -> String? {
        let settings = [CodecSetting.none] + settings
        guard threats.contains(where: { $0 != .worst }) else {
            return "--threat worst needs at least one other threat to take the worst of, e.g. oblivious,bpda,worst"
        }
        if threats.contains(.transfer) && !hasSourceModel {
            return "--threat transfer needs --source-model, the model the attack is crafted on"
        }
        for threat in threats where threat != .worst && !settings.contains(where: threat.applies(to:)) {
            let needs = threat == .bpdaDiffJPEG || threat == .diffjpeg ? "a JPEG setting, e.g. --codec jpeg:25,50,75"
                : "a codec setting, e.g. --codec jpeg:50"
            return "--threat \(threat.name) needs \(needs)"
        }
        return nil
    }

    /// The ground-truth label of an image: by its name as listed, else by its file name.
    public func label(for name: String) -> Int? {
        labels[name] ?? labels[PlatformPath.lastComponent(name)]
    }

    /// The threat of a recipe of this plan.
    public func threat(of recipe: AttackRecipe) -> ThreatKind {
        ThreatKind(rawValue: recipe.threat) ?? .oblivious
    }

    /// The number of rows each image contributes.
    public var rowsPerImage: Int {
        recipes.reduce(0) { total, recipe in
            total + epsilons.count * settings.filter(threat(of: recipe).applies(to:)).count
        }
    }

    /// The keys an image contributes, in row order.
    public func keys(for image: ImageIdentity) -> [SweepKey] {
        recipes.flatMap { recipe in
            epsilons.flatMap { eps in
                settings.filter(threat(of: recipe).applies(to:)).map {
                    SweepKey(image: image, recipe: recipe, eps: eps, codec: $0.codec.rawValue, quality: $0.quality)
                }
            }
        }
    }

    /// Why a row with `key` does not belong to this plan, or nil when it does.
    public func problem(with key: SweepKey) -> String? {
        guard let hash = hashByName[key.image.name] else { return "is for an image this sweep does not list" }
        guard hash == key.image.sha256 else {
            return "is for a file whose content has changed since (SHA-256 \(key.image.sha256.prefix(12))…, now \(hash.prefix(12))…)"
        }
        guard recipes.contains(key.recipe) else {
            return "was made by an attack this sweep does not run (\(key.recipe.attack), \(key.recipe.threat))"
        }
        guard epsilons.contains(key.eps) else { return "has an eps this sweep does not use" }
        guard let setting = settings.first(where: { $0.codec.rawValue == key.codec && $0.quality == key.quality }) else {
            return "has a codec setting this sweep does not use"
        }
        guard threat(of: key.recipe).applies(to: setting) else { return "has a threat that does not apply to its codec" }
        return nil
    }

    /// The text recorded beside the results CSV; a resumed sweep must match it exactly. It holds
    /// what decides the rows' values (model, attacks, threats, loss, seed, budgets, codecs, labels,
    /// weights), not the image list, so a resumed sweep may add images.
    public var recordedSettings: String {
        let labelText = labels.isEmpty ? "clean top-1"
            : labels.sorted { $0.key < $1.key }.map { "\(PlatformPath.display($0.key))=\($0.value)" }.joined(separator: ";")
        return """
            sanitize evaluate, results format 2
            model: \(model)\(sourceModel.map { ", source model \($0)" } ?? "")
            attacks: \(attacks.map { "\($0.name) (steps \($0.steps), restarts \($0.restarts))" }.joined(separator: ", "))
            threats: \(threats.map(\.name).joined(separator: ","))
            loss: \(loss.name), seed \(seed)
            eps: \(epsilons.map(String.init).joined(separator: ","))
            codecs: \(settings.map(\.description).joined(separator: ","))
            labels: \(labelText)
            weights: \(weights)

            """
    }

    /// Reads a labels CSV with the header `image,label`; labels are class indices `0..<classCount`.
    ///
    /// Throws naming the file and row: a missing or wrong header, a bad label, or one image given
    /// two different labels.
    public static func readLabels(path: String, classCount: Int = 1000) throws -> [String: Int] {
        let reader = try CSVFileReader(path: path, limit: 1 << 28)
        guard reader.header.map({ $0.trimmingCharacters(in: .whitespaces) }) == ["image", "label"] else {
            throw ResultsFileError(description: "\(PlatformPath.display(path)): the labels file must start with the header 'image,label'")
        }
        var labels: [String: Int] = [:]
        var rowOf: [String: Int] = [:]
        while let f = try reader.next() {
            let row = reader.recordNumber
            if f == [""] { continue }
            guard f.count == 2, let label = Int(f[1].trimmingCharacters(in: .whitespaces)), (0..<classCount).contains(label) else {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)): row \(row) is not 'image,label' with a label 0…\(classCount - 1): \
                    '\(PlatformPath.display(f.joined(separator: ",")))'
                    """)
            }
            if let earlier = labels[f[0]], earlier != label {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)): row \(row) gives '\(PlatformPath.display(f[0]))' the label \(label), \
                    but row \(rowOf[f[0]]!) gave it \(earlier); keep one
                    """)
            }
            labels[f[0]] = label
            rowOf[f[0]] = rowOf[f[0]] ?? row
        }
        guard !labels.isEmpty else {
            throw ResultsFileError(description: "\(PlatformPath.display(path)): the labels file has no entries")
        }
        return labels
    }
}
