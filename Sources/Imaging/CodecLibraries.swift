import _CodecShims

/// The C codec libraries this process runs with.
public enum CodecLibraries {
    /// One `name version` line per library: libjpeg-turbo, libwebp, OpenJPEG, libpng and zlib.
    public static let versions: [String] = {
        var buffer = [CChar](repeating: 0, count: 512)
        shim_library_versions(&buffer, buffer.count)
        return String(cString: buffer).split(separator: "\n").map(String.init)
    }()
}
