import ArgumentParser
import Dispatch
import Foundation
import Imaging

/// `sanitize-bench codecs`: codec round trips through the Swift API, through C directly, and
/// beside Pillow.
struct BenchCodecs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codecs",
        abstract: "Time JPEG, WebP and JPEG 2000 round trips against direct C calls and Pillow.",
        discussion: """
            Each round trip encodes a 224×224 RGB image (the model view of --image) with the \
            protocol's settings and decodes it again. It is timed through the Swift API \
            (roundTrip) and through the same library calls made from C (DirectCodecBaseline), \
            alternating the two in every iteration so both see the same machine load; the \
            medians and their ratio are printed. The two paths are checked to produce the same \
            bytes count and pixels. The Pillow column is the median of \
            Benchmarks/anchors/codecs_pillow.py, run afterwards with --python on the same image \
            and number of runs; --anchor CODEC:Q=MS gives a Pillow median instead.
            """)

    /// The photo measured when `--image` is not given, relative to the package.
    static let defaultImage = "Fixtures/images/chelsea.png"

    @Option(help: "The photo to measure on; its model view (224×224) is used. Default: Fixtures/images/chelsea.png.")
    var image: String?

    @OptionGroup var anchorPython: AnchorOptions

    @Option(help: "Timed iterations per codec (each runs both paths once); medians are reported.")
    var runs = 200

    @Option(name: .customLong("codec"), help: "Settings to time, as codec:quality; repeatable.")
    var settings: [String] = ["jpeg:75", "webp:75", "jpeg2000:20"]

    @Option(name: .customLong("anchor"),
            help: "A Pillow median as CODEC:Q=MILLISECONDS (e.g. webp:75=7.2), instead of running the anchor; repeatable.")
    var anchorOverrides: [String] = []

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        for text in settings {
            let setting = try parsedSetting(text)
            guard setting.codec.takesParameter else {
                throw ValidationError("--codec \(text): only jpeg, webp and jpeg2000 have a C baseline")
            }
        }
        _ = try overrides()
        _ = try imagePath()
    }

    func run() throws {
        let path = try imagePath()
        let input = ModelView.apply(try ImageFile.read(path))
        var rows: [(setting: CodecSetting, swift: Double, c: Double, bytes: Int)] = []
        for text in settings {
            let setting = try parsedSetting(text)
            let api = try roundTrip(input, setting)
            let direct = try DirectCodecBaseline.roundTrip(input, setting)
            guard direct.bytes == api.bytes, direct.decoded == api.decoded else {
                throw ValidationError("\(setting): the Swift API and direct C disagree (\(api.bytes) vs \(direct.bytes) bytes)")
            }
            let (swift, c) = medians(runs) {
                _ = try? roundTrip(input, setting)
            } and: {
                _ = try? DirectCodecBaseline.roundTrip(input, setting)
            }
            rows.append((setting, swift, c, api.bytes))
        }
        let pillow = try pillowMedians(image: path)
        print("Round trip (encode + decode), \(input.width)×\(input.height) RGB, median of \(runs) runs, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(pad("codec", 13) + pad("sanitize", 11) + pad("direct C", 11) + pad("ratio", 8)
              + pad("Pillow", 13) + pad("vs Pillow", 11) + "bytes")
        for row in rows {
            let anchor = pillow[row.setting.description]
            print(pad(row.setting.description, 13) + pad(milliseconds(row.swift), 11) + pad(milliseconds(row.c), 11)
                  + pad(String(format: "%.3f", row.swift / row.c), 8)
                  + pad(anchor.map(milliseconds) ?? "-", 13)
                  + pad(anchor.map { String(format: "%.2f×", $0 / row.swift) } ?? "-", 11) + "\(row.bytes)")
        }
        print("ratio = sanitize / direct C (goal ≤ 1.05); vs Pillow = Pillow / sanitize (goal ≥ 1).")
    }

    // MARK: - Helpers

    private func parsedSetting(_ text: String) throws -> CodecSetting {
        do {
            return try CodecSetting(parsing: text)
        } catch let error as CodecSettingError {
            throw ValidationError("--codec: \(error)")
        }
    }

    /// `--image`, else the default photo found in the package.
    private func imagePath() throws -> String {
        if let image { return image }
        guard let path = PythonAnchor.locate(Self.defaultImage) else {
            throw ValidationError("\(Self.defaultImage) not found; run from the repository or pass --image PATH")
        }
        return path
    }

    /// The Pillow medians: `--anchor` values when given, else those printed by the anchor
    /// script (lines `jpeg:75 median_ms 0.701 …`); empty when the anchor is skipped or fails.
    private func pillowMedians(image: String) throws -> [String: Double] {
        let given = try overrides()
        guard given.isEmpty else { return given }
        guard let python = anchorPython.interpreter(),
              let text = PythonAnchor.run(python: python, script: "Benchmarks/anchors/codecs_pillow.py",
                                          arguments: ["--runs", "\(runs)", "--image", image]) else { return [:] }
        var table: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            if let name = fields.first, let ms = PythonAnchor.number(after: "median_ms ", in: String(line)) {
                table[String(name)] = ms
            }
        }
        return table
    }

    private func overrides() throws -> [String: Double] {
        var table: [String: Double] = [:]
        for text in anchorOverrides {
            let parts = text.split(separator: "=")
            guard parts.count == 2, let ms = Double(parts[1]), ms > 0,
                  let setting = try? CodecSetting(parsing: String(parts[0]))
            else {
                throw ValidationError("--anchor expects CODEC:Q=MILLISECONDS such as webp:75=7.2, got '\(text)'")
            }
            table[setting.description] = ms
        }
        return table
    }

    /// Medians (ms) of `first` and `second`, run alternately (order swapped every iteration)
    /// after `max(3, runs / 10)` warm-up pairs, so that drifting machine load hits both alike.
    private func medians(_ runs: Int, _ first: () -> Void, and second: () -> Void) -> (Double, Double) {
        for _ in 0..<max(3, runs / 10) {
            first()
            second()
        }
        var a: [Double] = [], b: [Double] = []
        func time(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        for i in 0..<runs {
            if i % 2 == 0 {
                a.append(time(first))
                b.append(time(second))
            } else {
                b.append(time(second))
                a.append(time(first))
            }
        }
        return (median(a), median(b))
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    private func milliseconds(_ ms: Double) -> String {
        String(format: ms < 1 ? "%.3f ms" : "%.2f ms", ms)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
