import ArgumentParser
import Foundation
import Imaging
import Models
import _Support

/// `sanitize classify`: an EfficientNet-Lite model's top classes for each image.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify images with a pretrained EfficientNet-Lite model (ImageNet-1k).",
        discussion: """
            Each image (PNG, JPEG, WebP or JPEG 2000, recognised by its bytes) is converted to \
            8-bit RGB and brought to the model's view of docs/protocol.md §1 (shorter side to 256 \
            with antialiased bilinear resampling, center 224×224 crop, for efficientnet-lite0; \
            272 and 240×240 for efficientnet-lite1; 292 and 260×260 for efficientnet-lite2) \
            unless it already has the crop's size. The report gives, per image, the most probable \
            classes with their softmax probabilities and ImageNet names.

            An image that cannot be read is reported on stderr as `error: PATH: reason`; the \
            others are still classified, and the exit status is non-zero at the end.

            The weights are found in Weights/MODEL.safetensors (installed by Scripts/setup.sh; \
            for efficientnet-lite0, $SANITIZE_WEIGHTS first) and checked against their SHA-256; \
            --weights loads another file of the same architecture, checked tensor by tensor.

            Examples:
              sanitize classify Fixtures/images/chelsea.png
              sanitize classify --model efficientnet-lite1 Fixtures/images/chelsea.png
              sanitize classify photos/*.jpg --top 1 --csv > predictions.csv
            """)

    @Argument(help: "The images to classify: PNG, JPEG, WebP, J2K or JP2, of any size.")
    var images: [String]

    @Option(help: "How many classes to report per image, 1–1000.")
    var top = 5

    @Flag(help: "Write CSV with the header image,rank,class,probability,name instead of a table.")
    var csv = false

    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard (1...1000).contains(top) else {
            throw ValidationError("--top must be 1–1000, got \(top)")
        }
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
    }

    func run() throws {
        let classifier = try model.load()
        var names: [String] = [], views: [RGBImage] = [], failures = 0
        for path in images {
            do {
                let image = try ImageFile.read(path)
                views.append(ModelView.apply(image, side: model.model.inputSide, resizeSide: model.model.resizeSide))
                names.append(path)
            } catch {
                failures += 1
                warn("\(error)", prefix: "error")
            }
        }
        let logits = try classifier.logits(views)
        if csv { print("image,rank,class,probability,name") }
        for (path, row) in zip(names, logits) {
            let ranked = Classification.top(top, of: row)
            if csv {
                for (rank, entry) in ranked.enumerated() {
                    print(CSVText.line([path, "\(rank + 1)", "\(entry.index)", CSVText.number(Double(entry.probability)), entry.name]))
                }
            } else {
                print(PlatformPath.display(path))
                for (rank, entry) in ranked.enumerated() {
                    let index = String(entry.index).leftPadded(to: 4)
                    print("  \(rank + 1). \(index)  \(String(format: "%.4f", Double(entry.probability)))  \(entry.name)")
                }
            }
        }
        if failures > 0 {
            throw ClassifyFailure(failed: failures, total: images.count)
        }
    }
}

/// Some images of a `classify` run could not be read; they were reported as they happened.
struct ClassifyFailure: Error, CustomStringConvertible {
    let failed: Int
    let total: Int
    var description: String { "\(failed) of \(total) image(s) could not be classified" }
}


private extension String {
    /// The string right-aligned in `width` characters (unchanged when longer).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
