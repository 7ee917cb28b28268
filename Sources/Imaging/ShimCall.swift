import _CodecShims

/// Calls a `_CodecShims` function that takes a message buffer and returns a status, and turns a
/// failure into one ``CodecError`` carrying the library's message.
@usableFromInline
enum ShimCall {
    /// Room for the longest library message we keep.
    @usableFromInline static let messageCapacity = 512

    /// Runs `body(message, capacity)`; a non-zero status throws with the message written.
    @inlinable
    static func check(_ codec: Codec, _ operation: String,
                      _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var failure: String?
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: messageCapacity) { buffer in
            buffer[0] = 0
            if body(buffer.baseAddress!, messageCapacity) != SHIM_OK {
                failure = String(cString: buffer.baseAddress!)
            }
        }
        if let failure { throw CodecError(codec: codec, operation: operation, message: clean(failure)) }
    }

    /// Runs `body`, which returns nil on failure after writing the message.
    @inlinable
    static func make<T>(_ codec: Codec, _ operation: String,
                        _ body: (UnsafeMutablePointer<CChar>, Int) -> T?) throws -> T {
        var result: T?
        var failure = ""
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: messageCapacity) { buffer in
            buffer[0] = 0
            result = body(buffer.baseAddress!, messageCapacity)
            if result == nil { failure = String(cString: buffer.baseAddress!) }
        }
        guard let result else { throw CodecError(codec: codec, operation: operation, message: clean(failure)) }
        return result
    }

    /// Libraries end some messages with a newline or leave them empty.
    @usableFromInline
    static func clean(_ message: String) -> String {
        var text = message
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text.isEmpty ? "the library reported a failure without a message" : text
    }
}
