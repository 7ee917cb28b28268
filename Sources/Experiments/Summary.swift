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
        struct Setting: Hashable { var eps: Int; var codec: String; var quality: Int }
        var order: [Setting] = []
        var groups: [Setting: [ResultRow]] = [:]
        for row in rows {
            let s = Setting(eps: row.eps, codec: row.codec, quality: row.quality)
            if groups[s] == nil { order.append(s) }
            groups[s, default: []].append(row)
        }
        return order.map { s in
            let g = groups[s]!
            let n = Double(g.count)
            return SummaryRow(
                eps: s.eps, codec: s.codec, quality: s.quality, images: g.count,
                accuracy: Double(g.filter(\.correct).count) / n,
                meanBPP: g.map(\.bpp).reduce(0, +) / n,
                meanMSSSIM: g.map(\.msssim).reduce(0, +) / n,
                meanSignedConfidence: g.map(\.signedConfidence).reduce(0, +) / n)
        }
    }

    /// A compact accuracy table: one line per eps, one column per codec:quality, percentages.
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
        for eps in epsOrder {
            let cells = columns.map { c in
                cell["\(eps)|\(c)"].map { pad(String(format: "%.1f", 100 * $0)) } ?? pad("-")
            }
            lines.append(String(eps).padding(toLength: 5, withPad: " ", startingAt: 0) + cells.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

extension ResultRow {
    /// Parses the rows of a results CSV (header first), for summaries and comparisons.
    public static func readAll(path: String) throws -> [ResultRow] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ResultsFileError(description: "\(path): cannot be read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let first = lines.first, first == header else {
            throw ResultsFileError(description: "\(path): the header is not '\(header)'")
        }
        return try lines.dropFirst().enumerated().map { i, line in
            let f = CSV.split(line)
            guard f.count == 13, let label = Int(f[1]), let eps = Int(f[2]), let quality = Int(f[4]),
                  let bytes = Int(f[5]), let bpp = Double(f[6]), let pred = Int(f[7]),
                  let confidence = Double(f[8]), let msssim = Double(f[11]), let psnr = Double(f[12])
            else { throw ResultsFileError(description: "\(path): line \(i + 2) is not a results row") }
            return ResultRow(image: f[0], label: label, eps: eps, codec: f[3], quality: quality, bytes: bytes,
                             bpp: bpp, pred: pred, confidence: confidence, msssim: msssim, psnr: psnr)
        }
    }
}
