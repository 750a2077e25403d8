/// A small vector of floats dequantized once at load (norm weights, biases, sinks, RoPE factors), held by a
/// `FloatStore` that lives as long as the weights. It is a bare pointer and a count, so copying a layer's
/// description in the forward pass retains nothing.
public struct FloatVector: @unchecked Sendable {
    public let base: UnsafePointer<Float>
    public let count: Int

    public subscript(i: Int) -> Float { base[i] }

    /// The values as an array (a copy, for tests and reports; not for the forward pass).
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// Owns the memory of every `FloatVector` made from it, freed with the store.
final class FloatStore: @unchecked Sendable {
    private var blocks: [UnsafeMutablePointer<Float>] = []

    /// A vector holding `values`.
    func vector(_ values: [Float]) -> FloatVector {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        p.initialize(from: values, count: values.count)
        blocks.append(p)
        return FloatVector(base: p, count: values.count)
    }

    deinit {
        for p in blocks { p.deallocate() }
    }
}
