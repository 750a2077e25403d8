/// Typed metadata accessors that name the key and the expected type when something is off.
extension GGUFFile {
    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard let i = v.intValue else { throw .wrongMetadataType(key: key, expected: "an integer", found: "\(v.type)") }
        return i
    }

    public func int(_ key: String, default d: Int) throws(GGUFError) -> Int {
        metadata[key] == nil ? d : try int(key)
    }

    public func float(_ key: String) throws(GGUFError) -> Double {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard let f = v.doubleValue else { throw .wrongMetadataType(key: key, expected: "a number", found: "\(v.type)") }
        return f
    }

    public func float(_ key: String, default d: Double) throws(GGUFError) -> Double {
        metadata[key] == nil ? d : try float(key)
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard let s = v.stringValue else { throw .wrongMetadataType(key: key, expected: "a string", found: "\(v.type)") }
        return s
    }

    public func bool(_ key: String, default d: Bool) throws(GGUFError) -> Bool {
        guard let v = metadata[key] else { return d }
        guard let b = v.boolValue else { throw .wrongMetadataType(key: key, expected: "a bool", found: "\(v.type)") }
        return b
    }

    public func stringArray(_ key: String) throws(GGUFError) -> [String] {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard case .array(.string, let items) = v else { throw .wrongMetadataType(key: key, expected: "an array of strings", found: "\(v.type)") }
        return items.map { $0.stringValue ?? "" }
    }

    public func intArray(_ key: String) throws(GGUFError) -> [Int] {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard let items = v.arrayValue else { throw .wrongMetadataType(key: key, expected: "an array of integers", found: "\(v.type)") }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let i = item.intValue else { throw .wrongMetadataType(key: key, expected: "an array of integers", found: "array of \(item.type)") }
            out.append(i)
        }
        return out
    }

    public func floatArray(_ key: String) throws(GGUFError) -> [Float] {
        guard let v = metadata[key] else { throw .missingKey(key) }
        guard let items = v.arrayValue else { throw .wrongMetadataType(key: key, expected: "an array of numbers", found: "\(v.type)") }
        return items.map { Float($0.doubleValue ?? .nan) }
    }

    /// The tensor named `name`, or a `missingTensor` error.
    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(name) else { throw .missingTensor(name) }
        return t
    }
}
