/// A context-free grammar over Unicode code points, compiled from GBNF (llama.cpp's grammar format): rules of
/// alternatives, each a sequence of character classes and references to rules. Groups and repetitions are
/// compiled to rules of their own, as llama.cpp's parser does. Left-recursive grammars are refused (the
/// matcher expands rules top-down).
public struct Grammar: Sendable, Equatable {
    /// One element of a sequence.
    public enum Element: Sendable, Hashable {
        /// One code point in (or, negated, outside) the ranges.
        case chars([ClosedRange<UInt32>], negated: Bool)
        /// A reference to rule `id`.
        case rule(Int)

        func matches(_ c: UInt32) -> Bool {
            guard case .chars(let ranges, let negated) = self else { return false }
            var hit = false
            for r in ranges where r.contains(c) { hit = true; break }
            return hit != negated
        }

        /// Whether some code point in `range` could match.
        func intersects(_ range: ClosedRange<UInt32>) -> Bool {
            guard case .chars(let ranges, let negated) = self else { return false }
            if negated { return true }  // an over-approximation; the completed code point is checked exactly
            return ranges.contains { $0.overlaps(range) }
        }
    }

    /// rules[r] = alternatives of rule r; each alternative a sequence (empty: matches nothing).
    public let rules: [[[Element]]]
    /// Rule names, for messages (generated rules are named after their parent).
    public let names: [String]
    public let root: Int

    /// Limits on what a grammar may hold: rules and elements in all.
    public static let maxRules = 20_000
    public static let maxElements = 200_000

    init(rules: [[[Element]]], names: [String], root: Int) throws {
        self.rules = rules
        self.names = names
        self.root = root
        try checkReferences()
        try checkNoLeftRecursion()
    }

    private func checkReferences() throws {
        for (r, alts) in rules.enumerated() {
            for seq in alts {
                for case .rule(let q) in seq where q < 0 || q >= rules.count {
                    throw GrammarError("rule '\(names[r])' refers to an undefined rule")
                }
            }
        }
    }

    /// Which rules can match the empty string.
    func nullable() -> [Bool] {
        var n = [Bool](repeating: false, count: rules.count)
        var changed = true
        while changed {
            changed = false
            for (r, alts) in rules.enumerated() where !n[r] {
                let any = alts.contains { seq in
                    seq.allSatisfy { if case .rule(let q) = $0 { return n[q] } else { return false } }
                }
                if any { n[r] = true; changed = true }
            }
        }
        return n
    }

    /// Refuses a rule that can reach itself without consuming a character (the matcher would loop).
    private func checkNoLeftRecursion() throws {
        let nul = nullable()
        // first[r]: rules that r can start with (through nullable prefixes).
        var first = [[Int]](repeating: [], count: rules.count)
        for (r, alts) in rules.enumerated() {
            for seq in alts {
                for e in seq {
                    guard case .rule(let q) = e else { break }
                    first[r].append(q)
                    if !nul[q] { break }
                }
            }
        }
        var state = [UInt8](repeating: 0, count: rules.count)  // 0 new, 1 on the path, 2 done
        for start in rules.indices where state[start] == 0 {
            var stack: [(Int, Int)] = [(start, 0)]
            state[start] = 1
            while let (r, i) = stack.last {
                if i < first[r].count {
                    stack[stack.count - 1].1 += 1
                    let q = first[r][i]
                    if state[q] == 1 { throw GrammarError("rule '\(names[q])' is left-recursive (it can start with itself); rewrite it with a repetition") }
                    if state[q] == 0 { state[q] = 1; stack.append((q, 0)) }
                } else {
                    state[r] = 2
                    stack.removeLast()
                }
            }
        }
    }
}

/// A grammar that cannot be compiled or a schema that cannot be turned into one, with the reason.
public struct GrammarError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
