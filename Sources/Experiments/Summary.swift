import _Support
import Foundation

/// One row of the summary CSV: one attack recipe × eps × codec × quality over all images
/// (docs/protocol.md §6).
public struct SummaryRow: Equatable, Sendable {
    /// The columns, in order.
    public static let columns = [
        "model", "attack", "loss", "threat", "eps", "codec", "quality", "images", "accuracy",
        "mean_bpp", "mean_msssim", "mean_signed_confidence",
    ]

    /// How the images were attacked.
    public var recipe: AttackRecipe
    /// The attack budget in levels.
    public var eps: Int
    /// The codec name.
    public var codec: String
    /// The codec parameter.
    public var quality: Int
    /// How many images have a row for this setting.
    public var images: Int
    /// The fraction of those rows whose prediction equals the label, 0…1.
    public var accuracy: Double
    /// The mean bits per pixel.
    public var meanBPP: Double
    /// The mean MS-SSIM against the clean images.
    public var meanMSSSIM: Double
    /// The mean signed confidence (+p when correct, −p when not).
    public var meanSignedConfidence: Double

    /// Memberwise.
    public init(recipe: AttackRecipe, eps: Int, codec: String, quality: Int, images: Int, accuracy: Double,
                meanBPP: Double, meanMSSSIM: Double, meanSignedConfidence: Double) {
        self.recipe = recipe; self.eps = eps; self.codec = codec; self.quality = quality; self.images = images
        self.accuracy = accuracy; self.meanBPP = meanBPP; self.meanMSSSIM = meanMSSSIM
        self.meanSignedConfidence = meanSignedConfidence
    }

    /// The row's fields, in column order.
    public var fields: [String] {
        [recipe.model, recipe.attack, recipe.loss, recipe.threat, String(eps), codec, String(quality), String(images),
         CSVText.number(accuracy), CSVText.number(meanBPP), CSVText.number(meanMSSSIM), CSVText.number(meanSignedConfidence)]
    }

    /// The summary CSV's text: the header and one line per row.
    public static func csv(_ rows: [SummaryRow]) -> String {
        CSVText.lines([columns] + rows.map(\.fields))
    }

    /// Groups `rows` by (recipe, eps, codec, quality), in the order each setting first appears.
    public static func summarize(_ rows: [ResultRow]) -> [SummaryRow] {
        var accumulator = SummaryAccumulator()
        rows.forEach { accumulator.add($0) }
        return accumulator.summary
    }

    /// `codec:quality`, or `none`: the column a setting has in the printed tables.
    public var setting: String { codec == "none" ? "none" : "\(codec):\(quality)" }

    /// An accuracy as printed in the tables: percent with one decimal.
    private static func percent(_ accuracy: Double) -> String { String(format: "%.1f", 100 * accuracy) }

    /// The lines of a table with an `eps` column and right-aligned columns at least 6 wide.
    private static func grid(_ names: [String], _ lines: [(eps: Int, cells: [String])]) -> [String] {
        let width = max(6, names.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        func row(_ first: String, _ cells: [String]) -> String {
            first.padding(toLength: 5, withPad: " ", startingAt: 0) + cells.map(pad).joined(separator: " ")
        }
        return [row("eps", names)] + lines.map { row(String($0.eps), $0.cells) }
    }

    /// A compact accuracy table: one line per eps (ascending), one column per codec:quality
    /// (in sweep order), accuracies in percent.
    public static func accuracyTable(_ summary: [SummaryRow]) -> String {
        var columns: [String] = []
        var epsOrder: [Int] = []
        var cell: [String: Double] = [:]
        for r in summary {
            if !columns.contains(r.setting) { columns.append(r.setting) }
            if !epsOrder.contains(r.eps) { epsOrder.append(r.eps) }
            cell["\(r.eps)|\(r.setting)"] = r.accuracy
        }
        return grid(columns, epsOrder.sorted().map { eps in
            (eps, columns.map { c in cell["\(eps)|\(c)"].map(percent) ?? "-" })
        }).joined(separator: "\n")
    }

    /// One accuracy table per codec setting when a run has several attack recipes: one line per
    /// eps (ascending), a `clean` column (the codec on the clean images, eps 0) and one column per
    /// recipe that has rows at the setting (`fgsm oblivious`, `pgd bpda`, …, `worst`), in percent.
    /// With a single recipe it is ``accuracyTable(_:)``.
    public static func threatTables(_ summary: [SummaryRow]) -> String {
        var recipes: [AttackRecipe] = []
        for r in summary where !recipes.contains(r.recipe) { recipes.append(r.recipe) }
        guard recipes.count > 1 else { return accuracyTable(summary) }
        var settings: [String] = []
        for r in summary where !settings.contains(r.setting) { settings.append(r.setting) }
        func label(_ recipe: AttackRecipe) -> String {
            recipe.threat == "worst" ? "worst" : "\(recipe.attack) \(recipe.threat)"
        }
        return settings.map { setting in
            let rows = summary.filter { $0.setting == setting }
            let columns = recipes.filter { recipe in rows.contains { $0.recipe == recipe } }
            let clean = rows.first { $0.eps == 0 }.map { percent($0.accuracy) } ?? "-"
            let lines = Set(rows.map(\.eps)).sorted().map { eps in
                (eps, [clean] + columns.map { recipe in
                    rows.first { $0.recipe == recipe && $0.eps == eps }.map { percent($0.accuracy) } ?? "-"
                })
            }
            return ([setting] + grid(["clean"] + columns.map(label), lines)).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}

/// Sums per (eps, codec, quality), so a summary of any number of rows takes constant memory.
public struct SummaryAccumulator {
    private struct Setting: Hashable { var recipe: AttackRecipe; var eps: Int; var codec: String; var quality: Int }
    private struct Sums { var images = 0; var correct = 0; var bpp = 0.0; var msssim = 0.0; var signed = 0.0 }
    private var order: [Setting] = []
    private var sums: [Setting: Sums] = [:]

    /// An empty accumulator.
    public init() {}

    /// Adds one row to its setting's sums.
    public mutating func add(_ row: ResultRow) {
        let s = Setting(recipe: row.recipe, eps: row.eps, codec: row.codec, quality: row.quality)
        if sums[s] == nil { order.append(s); sums[s] = Sums() }
        sums[s]!.images += 1
        sums[s]!.correct += row.correct ? 1 : 0
        sums[s]!.bpp += row.bpp
        sums[s]!.msssim += row.msssim
        sums[s]!.signed += row.signedConfidence
    }

    /// One summary row per setting, in the order the settings first appeared.
    public var summary: [SummaryRow] {
        order.map { s in
            let t = sums[s]!
            let n = Double(t.images)
            return SummaryRow(recipe: s.recipe, eps: s.eps, codec: s.codec, quality: s.quality, images: t.images,
                              accuracy: Double(t.correct) / n, meanBPP: t.bpp / n, meanMSSSIM: t.msssim / n,
                              meanSignedConfidence: t.signed / n)
        }
    }
}
