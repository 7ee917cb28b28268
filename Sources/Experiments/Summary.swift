import _Support
import Foundation

/// One row of the summary CSV: one eps × codec × quality over all images (PROTOCOL §6).
public struct SummaryRow: Equatable, Sendable {
    /// The columns, in order.
    public static let header = "eps,codec,quality,images,accuracy,mean_bpp,mean_msssim,mean_signed_confidence"

    /// The FGSM budget in levels.
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

    /// The row as one CSV line, without the newline.
    public var csvLine: String {
        [String(eps), codec, String(quality), String(images), CSV.number(accuracy), CSV.number(meanBPP),
         CSV.number(meanMSSSIM), CSV.number(meanSignedConfidence)].joined(separator: ",")
    }

    /// Groups `rows` by (eps, codec, quality), in the order each setting first appears.
    public static func summarize(_ rows: [ResultRow]) -> [SummaryRow] {
        var accumulator = SummaryAccumulator()
        rows.forEach { accumulator.add($0) }
        return accumulator.summary
    }

    /// A compact accuracy table: one line per eps (ascending), one column per codec:quality
    /// (in sweep order), accuracies in percent.
    public static func accuracyTable(_ summary: [SummaryRow]) -> String {
        var columns: [String] = []
        var epsOrder: [Int] = []
        var cell: [String: Double] = [:]
        for r in summary {
            let column = r.codec == "none" ? "none" : "\(r.codec):\(r.quality)"
            if !columns.contains(column) { columns.append(column) }
            if !epsOrder.contains(r.eps) { epsOrder.append(r.eps) }
            cell["\(r.eps)|\(column)"] = r.accuracy
        }
        let width = max(6, columns.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = ["eps".padding(toLength: 5, withPad: " ", startingAt: 0) + columns.map(pad).joined(separator: " ")]
        for eps in epsOrder.sorted() {
            let cells = columns.map { c in
                cell["\(eps)|\(c)"].map { pad(String(format: "%.1f", 100 * $0)) } ?? pad("-")
            }
            lines.append(String(eps).padding(toLength: 5, withPad: " ", startingAt: 0) + cells.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Sums per (eps, codec, quality), so a summary of any number of rows takes constant memory.
public struct SummaryAccumulator {
    private struct Setting: Hashable { var eps: Int; var codec: String; var quality: Int }
    private struct Sums { var images = 0; var correct = 0; var bpp = 0.0; var msssim = 0.0; var signed = 0.0 }
    private var order: [Setting] = []
    private var sums: [Setting: Sums] = [:]

    /// An empty accumulator.
    public init() {}

    /// Adds one row to its setting's sums.
    public mutating func add(_ row: ResultRow) {
        let s = Setting(eps: row.eps, codec: row.codec, quality: row.quality)
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
            return SummaryRow(eps: s.eps, codec: s.codec, quality: s.quality, images: t.images,
                              accuracy: Double(t.correct) / n, meanBPP: t.bpp / n, meanMSSSIM: t.msssim / n,
                              meanSignedConfidence: t.signed / n)
        }
    }
}

extension ResultRow {
    /// Parses one CSV line of a results file; `nil` when it is not a complete row.
    public init?(csvLine line: Substring) {
        let f = CSV.split(line)
        guard f.count == 13, let label = Int(f[1]), let eps = Int(f[2]), let quality = Int(f[4]),
              let bytes = Int(f[5]), let bpp = Double(f[6]), let pred = Int(f[7]),
              let confidence = Double(f[8]), let msssim = Double(f[11]), let psnr = Double(f[12])
        else { return nil }
        self.init(image: f[0], label: label, eps: eps, codec: f[3], quality: quality, bytes: bytes,
                  bpp: bpp, pred: pred, confidence: confidence, msssim: msssim, psnr: psnr)
    }

    /// Streams the rows of a results CSV (header first) through `body`, in constant memory.
    public static func forEach(path: String, _ body: (ResultRow) throws -> Void) throws {
        try CSV.forEachLine(path: path) { number, line in
            if number == 1 {
                guard line == header else { throw ResultsFileError(description: "\(path): the header is not '\(header)'") }
                return
            }
            guard let row = ResultRow(csvLine: line) else {
                throw ResultsFileError(description: "\(path): line \(number) is not a results row")
            }
            try body(row)
        }
    }

    /// All rows of a results CSV, for tests and comparisons of small files.
    public static func readAll(path: String) throws -> [ResultRow] {
        var rows: [ResultRow] = []
        try forEach(path: path) { rows.append($0) }
        return rows
    }
}
