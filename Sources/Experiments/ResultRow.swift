import _Support
import Foundation

/// One row of the results CSV: one image × eps × codec × quality (PROTOCOL §6).
public struct ResultRow: Equatable, Sendable {
    /// The columns, in order.
    public static let header = "image,label,eps,codec,quality,bytes,bpp,pred,confidence,correct,signed_confidence,msssim,psnr"

    /// The image's file name as given on the command line (its path relative to the swept folder).
    public var image: String
    /// The attacked label y: the ground truth if given, else the clean top-1 prediction.
    public var label: Int
    /// The FGSM budget in 8-bit levels.
    public var eps: Int
    /// The codec's name (`none`, `jpeg`, `webp`, `jpeg2000`).
    public var codec: String
    /// The codec parameter: quality for jpeg/webp, the compression ratio for jpeg2000, 0 for none.
    public var quality: Int
    /// The encoded size in bytes (3·W·H for `none`).
    public var bytes: Int
    /// Bits per pixel, 8 · bytes / (W · H).
    public var bpp: Double
    /// The top-1 prediction on what the classifier saw.
    public var pred: Int
    /// Its softmax probability.
    public var confidence: Double
    /// MS-SSIM of what the classifier saw against the clean image x0.
    public var msssim: Double
    /// PSNR in dB (peak 255) of what the classifier saw against x0; `inf` when identical.
    public var psnr: Double

    /// Memberwise.
    public init(image: String, label: Int, eps: Int, codec: String, quality: Int, bytes: Int, bpp: Double,
                pred: Int, confidence: Double, msssim: Double, psnr: Double) {
        self.image = image; self.label = label; self.eps = eps; self.codec = codec; self.quality = quality
        self.bytes = bytes; self.bpp = bpp; self.pred = pred; self.confidence = confidence
        self.msssim = msssim; self.psnr = psnr
    }

    /// Whether the prediction equals the attacked label.
    public var correct: Bool { pred == label }
    /// `+confidence` when correct, `−confidence` when not.
    public var signedConfidence: Double { correct ? confidence : -confidence }
    /// The key that identifies the row in a sweep: `--resume` skips rows whose key is present.
    public var key: SweepKey { SweepKey(image: image, eps: eps, codec: codec, quality: quality) }

    /// The row as one CSV line, without the newline. Floats have up to 6 significant digits.
    public var csvLine: String {
        [CSV.field(image), String(label), String(eps), codec, String(quality), String(bytes), CSV.number(bpp),
         String(pred), CSV.number(confidence), correct ? "1" : "0", CSV.number(signedConfidence),
         CSV.number(msssim), CSV.number(psnr)].joined(separator: ",")
    }
}

/// What identifies a row of a sweep.
public struct SweepKey: Hashable, Sendable {
    /// The image name, as in the `image` column.
    public var image: String
    /// The budget in levels.
    public var eps: Int
    /// The codec name.
    public var codec: String
    /// The codec parameter.
    public var quality: Int

    /// Memberwise.
    public init(image: String, eps: Int, codec: String, quality: Int) {
        self.image = image; self.eps = eps; self.codec = codec; self.quality = quality
    }
}

/// The few CSV rules the results files need.
enum CSV {
    /// Calls `body` with each line (1-based number, without the newline), reading in 1 MiB chunks
    /// so that memory does not grow with the file. A last line without a newline is included.
    static func forEachLine(path: String, _ body: (Int, Substring) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ResultsFileError(description: "\(path): cannot be read")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var number = 0
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            pending += chunk
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                number += 1
                try body(number, Substring(String(decoding: pending[start..<newline], as: UTF8.self)))
                start = newline + 1
            }
            pending.removeFirst(start)
            if chunk.isEmpty { break }
        }
        if !pending.isEmpty {
            try body(number + 1, Substring(String(decoding: pending, as: UTF8.self)))
        }
    }

    /// `%.6g`: up to 6 significant digits, `inf` and `nan` spelled as such.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.6g", x)
    }

    /// Quotes a field when it holds a comma, quote or newline (RFC 4180).
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one line into fields, honouring RFC 4180 quotes.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(current); current = "" } else { current.append(next) }
                        }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current); current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
