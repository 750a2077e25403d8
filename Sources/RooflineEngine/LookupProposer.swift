/// Prompt-lookup proposals (n-gram lookup, as llama.cpp's `llama-lookup` and prompt-lookup decoding do): the
/// tokens that followed the most recent earlier occurrence of the sequence's last n tokens, longest n first.
/// Edits, rewrites, RAG answers and code that repeat their input are where the proposals hold.
public struct LookupProposer: Sendable {
    /// The longest and shortest n-grams matched.
    public var maxNgram = 4
    public var minNgram = 2

    public init(maxNgram: Int = 4, minNgram: Int = 2) {
        self.maxNgram = max(1, maxNgram)
        self.minNgram = max(1, min(minNgram, maxNgram))
    }

    /// Up to `count` proposed tokens to follow `history` (empty when no n-gram recurs).
    public func propose(_ history: [Int32], count: Int) -> [Int32] {
        guard count > 0 else { return [] }
        let len = history.count
        for n in stride(from: min(maxNgram, len - 1), through: minNgram, by: -1) where n >= 1 {
            let tail = history[(len - n)...]
            // The most recent earlier occurrence whose continuation lies inside the history.
            var start = len - n - 1
            while start >= 0 {
                if history[start..<(start + n)].elementsEqual(tail) {
                    let from = start + n
                    return Array(history[from..<min(from + count, len)])
                }
                start -= 1
            }
        }
        return []
    }

    /// The proposals to ask for after a step that proposed `proposed` and kept `held` of them, from `current`,
    /// at most `limit`: grown to 2k + 1 after a step whose proposals all held (1, 3, 7, 15: with the token fed,
    /// the column counts the batch kernels run best), cut to one past the last held after one that failed.
    public static func nextCount(current: Int, proposed: Int, held: Int, limit: Int) -> Int {
        held == proposed ? min(limit, 2 * current + 1) : max(1, held + 1)
    }
}
