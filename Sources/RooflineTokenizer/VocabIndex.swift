import Foundation

/// Strings → their first index in a list, answering exactly as a `[String: Int32]` built from the list would
/// (Swift compares strings by canonical equivalence), but hashed on UTF-8 bytes: hashing a `String` key
/// normalizes any non-ASCII text first, which made building the tables of a 150k-token vocabulary and its
/// merges a large part of loading a model.
///
/// Bytes stand in for canonical equivalence only where the two agree: among strings whose scalars all lie below
/// U+0300 (ASCII, Latin-1, Latin Extended, IPA; every GPT-2 byte-level vocabulary string) no scalar is a combining
/// mark or a singleton decomposition and no two characters decompose alike, so two such strings are canonically
/// equivalent only when their bytes are the same. A list holding any other string is indexed as a `Dictionary`,
/// and so is a query with such a string, against a dictionary built on the first such query.
final class VocabIndex: @unchecked Sendable {  // `built` is read and written under `lock`
    private let bytes: [UInt8]        // every key's UTF-8, back to back
    private let starts: [Int32]       // (keys + 1) where key i starts in bytes
    private let slots: [Int32]        // (power of two) key index + 1 of the first of its bytes, 0 empty
    private let keys: [String]
    private let eager: [String: Int32]?
    private let lock = NSLock()
    private var built: [String: Int32]?

    var count: Int { keys.count }

    init(_ keys: [String]) {
        self.keys = keys
        var b: [UInt8] = []
        b.reserveCapacity(keys.count * 8)
        var st: [Int32] = [0]
        st.reserveCapacity(keys.count + 1)
        var below = true
        for key in keys {
            var k = key
            k.withUTF8 { u in
                below = below && Self.isBelowCombiningMarks(u)
                b.append(contentsOf: u)
            }
            if !below { break }
            st.append(Int32(b.count))
        }
        guard below else {
            bytes = []; starts = []; slots = []
            eager = Self.dictionary(keys)
            return
        }
        eager = nil
        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        var sl = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        b.withUnsafeBufferPointer { all in
            st.withUnsafeBufferPointer { st in
                sl.withUnsafeMutableBufferPointer { sl in
                    for i in keys.indices {
                        let key = UnsafeBufferPointer(rebasing: all[Int(st[i])..<Int(st[i + 1])])
                        var s = Int(truncatingIfNeeded: Self.hash(key)) & mask
                        while true {
                            let e = Int(sl[s])
                            if e == 0 { sl[s] = Int32(i + 1); break }
                            if all[Int(st[e - 1])..<Int(st[e])].elementsEqual(key) { break }  // the first of duplicates wins
                            s = (s + 1) & mask
                        }
                    }
                }
            }
        }
        bytes = b
        starts = st
        slots = sl
    }

    /// The index of the first key equal to `s`, if any.
    subscript(_ key: String) -> Int32? {
        if let eager { return eager[key] }
        var s = key
        var below = true
        let found = s.withUTF8 { q -> Int32? in
            guard Self.isBelowCombiningMarks(q) else { below = false; return nil }
            return find(q)
        }
        return below ? found : fallback(key)
    }

    /// The index of the first key whose UTF-8 is `q` (a string below U+0300).
    private func find(_ q: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: Self.hash(q)) & mask
        return bytes.withUnsafeBufferPointer { all in
            while true {
                let e = Int(slots[s])
                if e == 0 { return nil }
                if all[Int(starts[e - 1])..<Int(starts[e])].elementsEqual(q) { return Int32(e - 1) }
                s = (s + 1) & mask
            }
        }
    }

    private func fallback(_ s: String) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if built == nil { built = Self.dictionary(keys) }
        return built![s]
    }

    private static func dictionary(_ keys: [String]) -> [String: Int32] {
        var d: [String: Int32] = [:]
        d.reserveCapacity(keys.count)
        for i in stride(from: keys.count - 1, through: 0, by: -1) { d[keys[i]] = Int32(i) }  // the first of duplicates wins
        return d
    }

    /// Whether every scalar of the UTF-8 text is below U+0300 (U+0300 is the first to take the lead byte 0xCC).
    static func isBelowCombiningMarks(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        !utf8.contains { $0 >= 0xCC }
    }

    /// FNV-1a, 64 bits.
    @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in b { h = (h ^ UInt64(x)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }
}
