/// Splits a template into text, `{{ expression }}` and `{% statement %}` pieces, applying `-` whitespace
/// control and the `trim_blocks` / `lstrip_blocks` settings Hugging Face uses for chat templates.
enum JinjaPiece: Equatable {
    case text(String)
    case output(String)
    case statement(String)
}

enum JinjaLexer {
    static func pieces(_ source: String) throws(TokenizerError) -> [JinjaPiece] {
        var out: [JinjaPiece] = []
        let s = Array(source.unicodeScalars)
        var i = 0
        var text = String.UnicodeScalarView()
        var trimNextLeading = false   // after "-%}" / "-}}": strip all whitespace
        var trimNextNewline = false   // trim_blocks: drop one newline after a block tag
        func flushText(stripTrailing: Bool, lstripBlock: Bool) {
            var t = String(text)
            if stripTrailing {
                while let last = t.unicodeScalars.last, last.properties.isWhitespace { t.unicodeScalars.removeLast() }
            } else if lstripBlock {
                // lstrip_blocks: remove spaces/tabs between the start of the line and the block tag.
                var u = Array(t.unicodeScalars)
                var j = u.count
                while j > 0, u[j - 1] == " " || u[j - 1] == "\t" { j -= 1 }
                if j == 0 || u[j - 1] == "\n" { u.removeSubrange(j...); t = String(String.UnicodeScalarView(u)) }
            }
            if !t.isEmpty { out.append(.text(t)) }
            text = String.UnicodeScalarView()
        }
        while i < s.count {
            if s[i] == "{", i + 1 < s.count, s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#" {
                let kind = s[i + 1]
                let close: Unicode.Scalar = kind == "{" ? "}" : kind
                var j = i + 2
                let stripBefore = j < s.count && s[j] == "-"
                if stripBefore { j += 1 }
                if j < s.count && s[j] == "+" { j += 1 }
                var end = -1
                var k = j
                var quote: Unicode.Scalar? = nil
                while k + 1 < s.count {
                    if kind != "#" {
                        if let q = quote { if s[k] == "\\" { k += 2; continue }; if s[k] == q { quote = nil } ; k += 1; continue }
                        if s[k] == "'" || s[k] == "\"" { quote = s[k]; k += 1; continue }
                    }
                    if s[k] == close && s[k + 1] == "}" { end = k; break }
                    k += 1
                }
                guard end >= 0 else { throw .badChatTemplate("unclosed '{\(kind)' tag") }
                var innerEnd = end
                let stripAfter = innerEnd > j && s[innerEnd - 1] == "-"
                if stripAfter { innerEnd -= 1 }
                if innerEnd > j && s[innerEnd - 1] == "+" { innerEnd -= 1 }
                if trimNextLeading {
                    while let f = text.first, f.properties.isWhitespace { text.removeFirst() }
                }
                flushText(stripTrailing: stripBefore, lstripBlock: kind != "{")
                let inner = String(String.UnicodeScalarView(s[j..<max(j, innerEnd)])).trimmingWhitespace()
                switch kind {
                case "{": out.append(.output(inner))
                case "%": out.append(.statement(inner))
                default: break
                }
                trimNextLeading = stripAfter
                trimNextNewline = kind != "{"
                i = end + 2
                continue
            }
            if trimNextLeading && text.isEmpty && s[i].properties.isWhitespace { i += 1; continue }
            trimNextLeading = false
            if trimNextNewline {
                trimNextNewline = false
                if s[i] == "\n" { i += 1; continue }
            }
            text.append(s[i])
            i += 1
        }
        if trimNextLeading { while let f = text.first, f.properties.isWhitespace { text.removeFirst() } }
        flushText(stripTrailing: false, lstripBlock: false)
        return out
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var u = Substring(self).unicodeScalars
        while let f = u.first, f.properties.isWhitespace { u.removeFirst() }
        while let l = u.last, l.properties.isWhitespace { u.removeLast() }
        return String(u)
    }
}
