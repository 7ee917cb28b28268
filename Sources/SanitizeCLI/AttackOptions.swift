import ArgumentParser
import Foundation
import Attacks
import Models

/// The options that choose the attack: which attacks and threats, the loss, PGD's steps and
/// restarts, the seed and the transfer surrogate. Defaults live in the `Attacks` library.
struct AttackOptions: ParsableArguments {
    @Option(help: "The attacks, comma-separated: fgsm (one signed step of eps) and pgd (L∞, random start, --steps steps of eps/8).")
    var attack = "fgsm"

    @Option(help: """
        The threat models, comma-separated: \(ThreatKind.names.joined(separator: ", ")). oblivious ignores \
        the codec; bpda differentiates through it as the identity; eot averages bpda over a codec's settings; \
        bpda-diffjpeg and diffjpeg use the differentiable JPEG (JPEG settings only); transfer crafts on \
        --source-model; worst keeps, per cell, the threat that did most harm.
        """)
    var threat = ThreatKind.oblivious.name

    @Option(help: "The loss the attack ascends: ce (cross-entropy on the label), margin (Carlini–Wagner) or seed-soft (the seed's soft cross-entropy against the clean output).")
    var loss = Losses.standard.name

    @Option(help: "PGD steps per restart.")
    var steps = PGD.defaultSteps

    @Option(help: "PGD random restarts; the restart with the highest loss wins.")
    var restarts = PGD.defaultRestarts

    @Option(help: "The seed of PGD's random starts.")
    var seed = 0

    @Option(name: .customLong("source-model"),
            help: "Craft on this model and score on --model: the transfer threat (added to --threat). Its installed weights are used.")
    var sourceModel: EfficientNetLiteVariant?

    /// The attacks, checked.
    func attacks() throws -> [any Attacks.Attack] {
        guard (1...10_000).contains(steps) else { throw ValidationError("--steps must be 1…10000, got \(steps)") }
        guard (1...1000).contains(restarts) else { throw ValidationError("--restarts must be 1…1000, got \(restarts)") }
        return try list(attack, option: "--attack").map { name in
            guard let value = AttackCatalog.named(name, steps: steps, restarts: restarts) else {
                throw ValidationError("--attack: unknown attack '\(name)' (expected \(AttackCatalog.names.joined(separator: ", ")))")
            }
            return value
        }
    }

    /// The threats, checked; `transfer` is added when --source-model is given.
    func threats() throws -> [ThreatKind] {
        var kinds = try list(threat, option: "--threat").map { name in
            guard let kind = ThreatKind(rawValue: name) else {
                throw ValidationError("--threat: unknown threat '\(name)' (expected \(ThreatKind.names.joined(separator: ", ")))")
            }
            return kind
        }
        if sourceModel != nil && !kinds.contains(.transfer) { kinds.append(.transfer) }
        if kinds.contains(.transfer) && sourceModel == nil {
            throw ValidationError("--threat transfer needs --source-model, the model the attack is crafted on")
        }
        return kinds
    }

    /// The loss, checked.
    func chosenLoss() throws -> any Loss {
        guard let value = Losses.named(loss) else {
            throw ValidationError("--loss: unknown loss '\(loss)' (expected \(Losses.all.map(\.name).joined(separator: ", ")))")
        }
        return value
    }

    /// Loads the surrogate model, when there is one.
    func loadSource() throws -> EfficientNetLite? {
        try sourceModel.map { try EfficientNetLite(variant: $0) }
    }

    private func list(_ text: String, option: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.contains(where: \.isEmpty) else { throw ValidationError("\(option) has an empty entry in '\(text)'") }
        return names
    }
}
