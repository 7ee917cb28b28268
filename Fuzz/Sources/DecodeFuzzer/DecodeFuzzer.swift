import Imaging
import LibFuzzerDriver

/// The decoded-size cap used while fuzzing: 1 Mpx, as OSS-Fuzz's image harnesses do. A 200-byte
/// file can legally declare (and decode to) a 15 Mpx flat image, which is slow under
/// AddressSanitizer but not a bug; the production cap (100 Mpx) is tested in ImagingTests.
let fuzzMaxPixels = 1 << 20

/// The fuzz target: decode the bytes as any supported format, as `ImageFile.read` does for a
/// file, then run the model view on what decoded. Errors are the expected outcome for almost
/// every input; only a crash, a sanitizer report, a timeout or an out-of-memory kill is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func decodeFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let image = try? ImageFile.decode(bytes, name: "fuzz input", maxPixels: fuzzMaxPixels) else { return 0 }
    precondition(image.pixels.count == 3 * image.width * image.height, "decoder returned a malformed RGBImage")
    let view = ModelView.apply(image)
    precondition(view.width == ModelView.side && view.height == ModelView.side, "model view is not 224×224")
    return 0
}

/// The executable's entry point. SwiftPM links executables against `<Target>_main`, so instead of
/// libFuzzer's own `main` this hands the command line to libFuzzer's driver.
@_cdecl("DecodeFuzzer_main")
public func decodeFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        decodeFuzzerTestOneInput(data, size)
    }
}
