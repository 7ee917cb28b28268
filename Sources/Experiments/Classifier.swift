import Foundation
import Imaging
import _Support

/// What the sweep needs from an image classifier: batched logits and batched input gradients.
///
/// Images are 224×224 8-bit RGB (the model view of docs/protocol.md §1). Gradients are of the
/// cross-entropy loss with respect to the 0–255 pixel values, laid out like
/// `RGBImage.pixels` (interleaved R, G, B, rows top to bottom). The sweep calls both methods
/// from several threads at once, one image per call.
public protocol Classifier {
    /// The number of classes, the length of every logits vector.
    var classCount: Int { get }
    /// One logits vector per image.
    func logits(_ images: [RGBImage]) throws -> [[Float]]
    /// One gradient of `CE(f(image), label)` per image, with `3 * width * height` entries.
    func inputGradients(_ images: [RGBImage], labels: [Int]) throws -> [[Float]]
}
