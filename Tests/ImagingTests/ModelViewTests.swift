import Foundation
import Imaging
import XCTest

/// The model view against Pillow's outputs (Scripts/reference/model_view_pillow.py, Pillow 13):
/// every 8th row of the result, for skimage photos and formula-made synthetic images, at the
/// three models' sizes (224 from 256, 240 from 272, 260 from 292).
final class ModelViewTests: XCTestCase {
    struct Manifest: Decodable {
        struct Entry: Decodable {
            var name: String
            var source: String
            var size: [Int]
            var side: Int
            var resize_side: Int
            var resized: [Int]
            var crop: [Int]
        }

        var row_step: Int
        var images: [Entry]
    }

    static let referenceFolder = "\(TestFiles.root)/Scripts/reference/model_view"

    /// The formula of `synthetic()` in the reference script.
    static func synthetic(width: Int, height: Int) -> RGBImage {
        TestFiles.image(width: width, height: height) { x, y in
            ((x * x * 3 + y * 7) % 256, ((x * 13) ^ (y * 5)) & 255, (x * y) % 251)
        }
    }

    func manifest() throws -> Manifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.referenceFolder)/manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    func testGeometryMatchesTorchvisionSizes() throws {
        let entries = try manifest().images
        XCTAssertEqual(entries.count, 28)
        XCTAssertEqual(Set(entries.map { [$0.side, $0.resize_side] }), [[224, 256], [240, 272], [260, 292]])
        for entry in entries {
            let g = ModelView.geometry(width: entry.size[0], height: entry.size[1], side: entry.side,
                                       resizeSide: entry.resize_side)
            XCTAssertEqual([g.resizedWidth, g.resizedHeight], entry.resized, "\(entry.name) resized size")
            XCTAssertEqual([g.cropX, g.cropY], entry.crop, "\(entry.name) crop origin")
        }
    }

    func testPhotosAndSyntheticImagesMatchPillow() throws {
        let manifest = try manifest()
        for entry in manifest.images {
            let input = entry.source == "synthetic"
                ? Self.synthetic(width: entry.size[0], height: entry.size[1])
                : try ImageFile.read(entry.source)
            XCTAssertEqual([input.width, input.height], entry.size, "\(entry.name) input size")
            let side = entry.side
            let view = ModelView.apply(input, side: side, resizeSide: entry.resize_side)
            XCTAssertEqual(view.width, side, entry.name)
            XCTAssertEqual(view.height, side, entry.name)
            let reference = try ImageFile.read("\(Self.referenceFolder)/\(entry.name).rows.png")
            XCTAssertEqual(reference.width, side, "\(entry.name): reference width")
            var maximum = 0, exact = 0, total = 0
            for (i, y) in stride(from: 0, to: side, by: manifest.row_step).enumerated() {
                for x in 0 ..< side * 3 {
                    let ours = Int(view.pixels[y * side * 3 + x]), theirs = Int(reference.pixels[i * side * 3 + x])
                    maximum = max(maximum, abs(ours - theirs))
                    exact += ours == theirs ? 1 : 0
                    total += 1
                }
            }
            let fraction = Double(exact) / Double(total)
            if entry.source == "synthetic" {
                // No decoder is involved: the resampling itself must be bit-exact.
                XCTAssertEqual(exact, total, "\(entry.name): \(total - exact) samples differ from Pillow, max |diff| \(maximum)")
            } else {
                // The photos' JPEG decoding may differ by a level between libjpeg builds.
                XCTAssertLessThanOrEqual(maximum, 1, "\(entry.name): max |diff| from Pillow")
                XCTAssertGreaterThanOrEqual(fraction, 0.99, "\(entry.name): exact fraction \(fraction)")
            }
        }
    }

    func testAWindowOfTheResizeEqualsResizingThenCropping() {
        var state: UInt64 = 88172645463325252
        func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        for trial in 0 ..< 60 {
            let (w, h) = (1 + next(90), 1 + next(90))
            let (nw, nh) = (1 + next(120), 1 + next(120))
            let image = Self.synthetic(width: w, height: h)
            let full = image.resizedBilinear(width: nw, height: nh)
            let x = next(nw), y = next(nh)
            let cw = 1 + next(nw - x), ch = 1 + next(nh - y)
            let window = image.resizedBilinear(width: nw, height: nh, window: x ..< x + cw, y ..< y + ch)
            XCTAssertEqual(window, full.cropped(x: x, y: y, width: cw, height: ch),
                           "trial \(trial): \(w)×\(h) → \(nw)×\(nh), window \(cw)×\(ch) at (\(x), \(y))")
        }
    }

    func testExtremeAspectRatiosStayCheap() {
        // A full resize of 4000×1 would be 1,024,000×256 (786 MB); the window needs 224×224.
        let line = Self.synthetic(width: 4000, height: 1)
        let view = ModelView.apply(line)
        XCTAssertEqual([view.width, view.height], [224, 224])
        // Every row of an upscaled single row is that row.
        XCTAssertEqual(view.cropped(x: 0, y: 0, width: 224, height: 1).pixels,
                       view.cropped(x: 0, y: 223, width: 224, height: 1).pixels)
        let column = Self.synthetic(width: 1, height: 4000)
        XCTAssertEqual([ModelView.apply(column).width, ModelView.apply(column).height], [224, 224])
    }

    func testAlready224IsUnchangedAndShorterSide256IsOnlyCropped() {
        let square = TestFiles.texture(width: 224, height: 224)
        XCTAssertEqual(ModelView.apply(square), square)
        let wide = Self.synthetic(width: 300, height: 256)
        XCTAssertEqual(ModelView.apply(wide), wide.cropped(x: 38, y: 16, width: 224, height: 224))
    }

    /// The same rules at the other models' sizes: an input of the view's size is kept, one whose
    /// shorter side is already the resize side is only cropped, and the defaults are 224 from 256.
    func testOtherSizesKeepTheirOwnSquareAndOnlyCropAtTheResizeSide() {
        for (side, resizeSide) in [(240, 272), (260, 292)] {
            let square = TestFiles.texture(width: side, height: side)
            XCTAssertEqual(ModelView.apply(square, side: side, resizeSide: resizeSide), square, "\(side)")
            let tall = Self.synthetic(width: resizeSide, height: resizeSide + 50)
            XCTAssertEqual(ModelView.apply(tall, side: side, resizeSide: resizeSide),
                           tall.cropped(x: 16, y: 41, width: side, height: side), "\(side)")
            // A 224×224 image is resized up for the larger views, not returned as it is.
            let small = ModelView.apply(TestFiles.texture(width: 224, height: 224), side: side, resizeSide: resizeSide)
            XCTAssertEqual([small.width, small.height], [side, side])
        }
        let photo = Self.synthetic(width: 451, height: 300)
        XCTAssertEqual(ModelView.apply(photo), ModelView.apply(photo, side: 224, resizeSide: 256))
        XCTAssertEqual(ModelView.geometry(width: 451, height: 300),
                       ModelView.geometry(width: 451, height: 300, side: 224, resizeSide: 256))
    }
}
